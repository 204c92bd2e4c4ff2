package io.mrgc.cluster;

import io.mrgc.cluster.containers.ContainerChaos;
import io.mrgc.cluster.containers.ContainerClusterOptions;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;

/** {@code mrgc chaos ...}: real faults on the containers deployment that {@code mrgc up --containers} runs. */
@Command(name = "chaos", description = "Real faults on the containers deployment (mrgc up --containers): kill a "
    + "container, pause a region, cut a region's network, restore.",
    subcommands = {ChaosCommand.ListContainers.class, ChaosCommand.Kill.class, ChaosCommand.Pause.class,
        ChaosCommand.Unpause.class, ChaosCommand.Cut.class, ChaosCommand.Restore.class})
final class ChaosCommand implements Runnable {
  @Option(names = "--deployment", description = "The deployment's name (default: ${DEFAULT-VALUE}).")
  String deployment = ContainerClusterOptions.DEFAULT_DEPLOYMENT;

  @Override
  public void run() {
    throw new IllegalArgumentException("say what to do: list, kill CONTAINER, pause REGION, unpause REGION, "
        + "cut REGION or restore");
  }

  ContainerChaos chaos() {
    return ContainerChaos.of(deployment);
  }

  static int print(String what, List<String> done) {
    System.out.println(what + (done.isEmpty() ? ": nothing to do" : ":"));
    done.forEach(line -> System.out.println("  " + line));
    return 0;
  }

  @Command(name = "list", description = "The deployment's containers: name, role, region, state, networks.")
  static final class ListContainers implements Callable<Integer> {
    @ParentCommand
    ChaosCommand parent;

    @Override
    public Integer call() {
      parent.chaos().list().forEach(c -> System.out.printf("%-44s %-10s %-10s %-8s %s%n", c.name(), c.role(),
          c.region() == null ? "-" : c.region(), c.state(), String.join(",", c.networks())));
      return 0;
    }
  }

  @Command(name = "kill", description = "SIGKILL one container (a crashed host): no drain.")
  static final class Kill implements Callable<Integer> {
    @ParentCommand
    ChaosCommand parent;

    @Parameters(paramLabel = "CONTAINER")
    String container;

    @Override
    public Integer call() {
      parent.chaos().kill(container);
      return print("killed", List.of(container));
    }
  }

  /** A subcommand on one region of the deployment. */
  abstract static class OnRegion implements Callable<Integer> {
    @ParentCommand
    ChaosCommand parent;

    @Parameters(paramLabel = "REGION")
    String region;

    @Override
    public Integer call() {
      io.mrgc.cluster.frontdoor.Regions.nearestFirst(region); // an unknown region fails naming the known ones
      return apply(parent.chaos());
    }

    abstract int apply(ContainerChaos chaos);
  }

  @Command(name = "pause", description = "Freeze every container of a region (SIGSTOP).")
  static final class Pause extends OnRegion {
    @Override
    int apply(ContainerChaos chaos) {
      return print("paused", chaos.pause(region));
    }
  }

  @Command(name = "unpause", description = "Thaw a paused region.")
  static final class Unpause extends OnRegion {
    @Override
    int apply(ContainerChaos chaos) {
      return print("unpaused", chaos.unpause(region));
    }
  }

  @Command(name = "cut", description = "Cut a region's network off from everything outside it (podman network "
      + "disconnect).")
  static final class Cut extends OnRegion {
    @Override
    int apply(ContainerChaos chaos) {
      return print("disconnected", chaos.cut(region));
    }
  }

  @Command(name = "restore", description = "Reconnect every container to the networks it belongs on.")
  static final class Restore implements Callable<Integer> {
    @ParentCommand
    ChaosCommand parent;

    @Override
    public Integer call() {
      return print("connected", parent.chaos().restore());
    }
  }
}
