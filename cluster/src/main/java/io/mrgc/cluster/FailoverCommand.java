package io.mrgc.cluster;

import io.mrgc.cluster.frontdoor.Regions;
import io.mrgc.failover.machine.FailoverState;
import io.mrgc.failover.ops.FailoverOperations;
import io.mrgc.failover.ops.RegionStatus;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.failover.state.ObservationItem;
import io.mrgc.failover.state.TransitionItem;
import io.mrgc.state.StateClient;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

/**
 * {@code mrgc failover ...}: each region's failover state, traffic dial and the observers' verdicts; SRE moves
 * (drain, undrain, force) recorded with actor and reason in the region's history.
 */
@Command(name = "failover", mixinStandardHelpOptions = true, description = "Regional failover and traffic dials.",
    subcommands = {FailoverCommand.Status.class, FailoverCommand.History.class, FailoverCommand.Drain.class,
        FailoverCommand.Undrain.class, FailoverCommand.Force.class})
final class FailoverCommand implements Runnable {
  @Override
  public void run() {
    System.out.println("use `mrgc failover status|history|drain|undrain|force` (see --help)");
  }

  /** Runs {@code action} with the failover operations on the cluster's state. */
  static <T> T withOperations(InstanceCommand.Endpoint where, Function<FailoverOperations, T> action) {
    try (var http = NettyNioAsyncHttpClient.builder().build();
        StateClient client = StateClient.local(where.endpoint, "us-east-1", http)) {
      return action.apply(FailoverOperations.defaults(client, Regions.ALL, Clock.systemUTC()));
    }
  }

  /** A move by an SRE: the region, who and why. */
  abstract static class Move extends InstanceCommand.Endpoint implements Callable<Integer> {
    @Parameters(index = "0", description = "Region, one of us-east-1, us-east-2, us-west-2.")
    String region;

    @Option(names = "--reason", required = true, description = "Why (kept in the region's history).")
    String reason;

    @Option(names = "--by", description = "Who does it, for the audit (default: ${DEFAULT-VALUE}).")
    String by = System.getProperty("user.name", "sre");

    abstract FailoverRowItem apply(FailoverOperations ops);

    @Override
    public Integer call() {
      if (reason.isBlank() || reason.length() > 200) {
        throw new IllegalArgumentException("--reason must say why, in 1 to 200 characters");
      }
      FailoverRowItem row = withOperations(this, this::apply);
      System.out.printf("%s: %s, dial %d%%%s%n", region, row.getFailoverState(), row.getTrafficDial(),
          row.getDrain() == null ? "" : ", drain " + row.getDrain());
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Per region: failover state, traffic dial (wanted and applied), drain, each observer's verdict.")
  static final class Status extends InstanceCommand.Endpoint implements Callable<Integer> {
    @Override
    public Integer call() {
      print(System.out, withOperations(this, ops -> ops.status().join()), System.currentTimeMillis());
      return 0;
    }

    static void print(PrintStream out, List<RegionStatus> regions, long now) {
      out.println("REGION       STATE            DIAL  APPLIED  DRAIN     VERDICT   LAST CHANGE");
      for (RegionStatus status : regions) {
        FailoverRowItem row = status.row();
        if (row == null) {
          out.printf("%-12s (no row yet: is `mrgc up` running?)%n", status.region());
          continue;
        }
        out.printf("%-12s %-16s %3d%%  %7s  %-8s  %-8s  %s by %s: %s%n", status.region(), row.getFailoverState(),
            row.getTrafficDial(), row.getDialApplied() == null ? "-" : row.getDialApplied() + "%",
            row.getDrain() == null ? "-" : row.getDrain(), status.evaluation().verdictText(),
            row.getUpdatedAtMillis() == 0 ? "-" : Instant.ofEpochMilli(row.getUpdatedAtMillis()),
            row.getActor() == null ? "-" : row.getActor(), row.getReason() == null ? "-" : row.getReason());
        if (row.getDialError() != null) {
          out.printf("%-12s dial update failing (%d attempts): %s%n", "", row.getDialAttempts() == null ? 0
              : row.getDialAttempts(), row.getDialError());
        }
        if (row.getDrainWaitsFor() != null) {
          out.printf("%-12s drain waits for: %s%n", "", row.getDrainWaitsFor());
        }
        for (ObservationItem seen : status.observations()) {
          out.printf("%-12s observed from %-10s %-8s %5.1fs ago  %s%n", "", seen.getObserverRegion(),
              seen.getVerdict(), (now - seen.getObservedAtMillis()) / 1000.0, String.join("; ", seen.getReasons()));
        }
      }
    }
  }

  @Command(name = "history", mixinStandardHelpOptions = true,
      description = "A region's failover transitions, newest first, with reason, actor and fencing token.")
  static final class History extends InstanceCommand.Endpoint implements Callable<Integer> {
    @Parameters(index = "0", description = "Region, one of us-east-1, us-east-2, us-west-2.")
    String region;

    @Option(names = "--limit", description = "How many transitions (default: ${DEFAULT-VALUE}).")
    int limit = 20;

    @Override
    public Integer call() {
      if (limit < 1 || limit > 100) {
        throw new IllegalArgumentException("--limit must be between 1 and 100, but was " + limit);
      }
      List<TransitionItem> history = withOperations(this, ops -> ops.history(region).join());
      if (history.isEmpty()) {
        System.out.println("no transitions recorded for " + region);
        return 0;
      }
      System.out.println("AT                         FROM             TO               DIAL       TOKEN  ACTOR  REASON");
      List<TransitionItem> newestFirst = new ArrayList<>(history);
      Collections.reverse(newestFirst);
      newestFirst.stream().limit(limit).forEach(t -> System.out.printf(Locale.ROOT,
          "%-26s %-16s %-16s %3d->%3d  %6d  %s  %s%n", Instant.ofEpochMilli(t.getAtMillis()), t.getFromState(),
          t.getToState(), t.getFromDial(), t.getToDial(), t.getToken(), t.getActor(), t.getReason()));
      return 0;
    }
  }

  @Command(name = "drain", mixinStandardHelpOptions = true,
      description = "Planned evacuation: the controller pre-scales the other regions, then lowers the dial in steps "
          + "while they stay healthy.")
  static final class Drain extends Move {
    @Override
    FailoverRowItem apply(FailoverOperations ops) {
      return ops.drain(region, by, reason).join();
    }
  }

  @Command(name = "undrain", mixinStandardHelpOptions = true,
      description = "Ends a drain: the region recovers (dial ramp 10 -> 50 -> 100 with holds and health gates).")
  static final class Undrain extends Move {
    @Override
    FailoverRowItem apply(FailoverOperations ops) {
      return ops.undrain(region, by, reason).join();
    }
  }

  @Command(name = "force", mixinStandardHelpOptions = true,
      description = "Sets a region's failover state by hand (NORMAL, DEGRADED, FAILOVER_ACTIVE, RECOVERING); the "
          + "controller then holds it for a full hold time before it acts on its own signals.")
  static final class Force extends Move {
    @Parameters(index = "1", description = "NORMAL, DEGRADED, FAILOVER_ACTIVE or RECOVERING.")
    String state;

    @Override
    FailoverRowItem apply(FailoverOperations ops) {
      FailoverState target;
      try {
        target = FailoverState.valueOf(state);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown failover state " + state + " (one of "
            + Arrays.toString(FailoverState.values()) + ")");
      }
      return ops.force(region, target, by, reason).join();
    }
  }
}
