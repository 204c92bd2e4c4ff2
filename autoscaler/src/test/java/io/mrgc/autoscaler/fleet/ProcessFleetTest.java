package io.mrgc.autoscaler.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local process fleet with trivial commands (sleep) standing in for agent JVMs. */
class ProcessFleetTest {
  @TempDir
  Path dir;
  ProcessFleet fleet;

  ProcessFleet fleet(String region, List<String> command, Duration grace) throws Exception {
    Path template = dir.resolve("agent.yaml");
    Files.writeString(template, "instanceId: ${instanceId}\nregion: ${region}\nlistener:\n  port: ${port}\n");
    return new ProcessFleet(region, new ProcessFleet.Settings(dir.resolve("fleet"), command, template, grace));
  }

  @AfterEach
  void killLeftovers() {
    if (fleet != null) {
      fleet.terminate(fleet.describe().stream().map(FleetInstance::id).toList());
    }
  }

  @Test
  void launchStartsOneProcessPerInstanceWithItsOwnConfigAndTerminateStopsIt() throws Exception {
    fleet = fleet("us-east-1", List.of("sh", "-c", "cp \"$1\" \"$1.seen\"; exec sleep 60", "sh", "${config}"),
        Duration.ofSeconds(5));

    List<String> ids = fleet.launch(2);

    assertThat(ids).hasSize(2).allMatch(id -> id.startsWith("i-local-")).doesNotHaveDuplicates();
    assertThat(fleet.describe()).extracting(FleetInstance::id).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(fleet.describe()).allSatisfy(i -> {
      assertThat(i.state()).isEqualTo(InstanceLifecycle.RUNNING);
      assertThat(i.launchedAt()).isNotNull();
    });
    String config = Files.readString(dir.resolve("fleet").resolve(ids.get(0) + ".yaml"));
    assertThat(config).startsWith("instanceId: " + ids.get(0) + "\nregion: us-east-1\nlistener:\n  port: ")
        .doesNotContain("${");
    int port = Integer.parseInt(config.substring(config.lastIndexOf(' ') + 1).trim());
    assertThat(port).isBetween(1, 65535);
    awaitFile(dir.resolve("fleet").resolve(ids.get(0) + ".yaml.seen")); // the command got ${config}
    // Another region's autoscaler on this host does not see these instances (as EC2 filters by the region tag).
    assertThat(fleet("us-west-2", List.of("true"), Duration.ofSeconds(1)).describe()).isEmpty();

    List<StateChange> changes = fleet.terminate(List.of(ids.get(0)));

    assertThat(changes).containsExactly(
        new StateChange(ids.get(0), InstanceLifecycle.RUNNING, InstanceLifecycle.SHUTTING_DOWN));
    awaitGone(ids.get(0));
    assertThat(fleet.describe()).extracting(FleetInstance::id).containsExactly(ids.get(1));
  }

  @Test
  void anInstanceThatIgnoresSigtermIsKilledAfterTheGrace() throws Exception {
    // An ignored signal stays ignored across exec: sleep does not die of SIGTERM.
    fleet = fleet("us-east-1", List.of("sh", "-c", "trap '' TERM; exec sleep 60"), Duration.ofMillis(300));
    String id = fleet.launch(1).get(0);
    long pid = Long.parseLong(java.util.Arrays.stream(Files.readString(dir.resolve("fleet").resolve(id + ".instance"))
        .split("\n")).filter(l -> l.startsWith("pid=")).findFirst().orElseThrow().substring(4));
    Thread.sleep(200); // let sh set the trap before the signal

    fleet.terminate(List.of(id));

    ProcessHandle handle = ProcessHandle.of(pid).orElse(null);
    if (handle != null) {
      handle.onExit().get(10, TimeUnit.SECONDS);
    }
    awaitGone(id);
  }

  @Test
  void placeholdersAreFilledInAndOtherTextIsLeftAlone() {
    assertThat(ProcessFleet.substitute("--config ${config} --port=${port} ${unknown} $port",
        Map.of("config", "/tmp/a.yaml", "port", "8123")))
        .isEqualTo("--config /tmp/a.yaml --port=8123 ${unknown} $port");
  }

  private void awaitGone(String id) throws InterruptedException {
    for (int i = 0; i < 100 && fleet.describe().stream().anyMatch(f -> f.id().equals(id)); i++) {
      Thread.sleep(100);
    }
    assertThat(fleet.describe()).extracting(FleetInstance::id).doesNotContain(id);
  }

  private static void awaitFile(Path file) throws InterruptedException {
    for (int i = 0; i < 100 && !Files.exists(file); i++) {
      Thread.sleep(100);
    }
    assertThat(file).exists();
  }
}
