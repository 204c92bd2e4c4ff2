package io.mrgc.autoscaler.fleet.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mrgc.autoscaler.fleet.FleetInstance;
import io.mrgc.autoscaler.fleet.InstanceLifecycle;
import io.mrgc.autoscaler.fleet.StateChange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container fleet against the real engine (podman's Docker API at {@code -Dmrgc.test.engineSocket}, default
 * /run/podman-api.sock); skipped with a message where it does not answer or the image is missing. Both containers
 * run {@code -Dmrgc.test.image} (default localhost/mrgc-jre-base:17) with {@code sleep 300} instead of the services,
 * so that only the fleet is tested. Everything it makes carries a random deployment label and is removed after.
 */
class ContainerFleetTest {
  static final Path SOCKET = Path.of(System.getProperty("mrgc.test.engineSocket", "/run/podman-api.sock"));
  static final String IMAGE = System.getProperty("mrgc.test.image", "localhost/mrgc-jre-base:17");
  static final List<String> COMMAND = List.of("sleep", "300");

  @TempDir
  Path dir;
  private EngineApi engine;
  private final String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  private final String deployment = "fleettest-" + suffix;
  private final String region = "us-test-" + suffix;
  private final String network = "mrgc-fleettest-" + suffix;
  private final List<ContainerFleet> fleets = new ArrayList<>();

  @BeforeEach
  void engine() throws Exception {
    Assumptions.assumeTrue(Files.exists(SOCKET), "no container engine socket at " + SOCKET
        + " (podman system service; see containers/README.md); skipping the container fleet test");
    EngineApi api = new EngineApi(SOCKET);
    try {
      api.ping();
    } catch (EngineApi.EngineException e) {
      Assumptions.abort("the engine at " + SOCKET + " does not answer (" + e.getMessage() + "); skipping");
    }
    engine = api; // only an engine that answers gets cleaned up after the test
    Assumptions.assumeTrue(engine.imageExists(IMAGE), "image " + IMAGE + " not found in the engine (build it with "
        + "./mrgc images build, or pick a local image with -Dmrgc.test.image=); skipping");
    EngineApi.Response created = engine.call("POST", "/networks/create", EngineApi.object().put("Name", network)
        .put("Driver", "bridge").set("Labels", EngineApi.object().put(ContainerFleet.LABEL_DEPLOYMENT, deployment)),
        Duration.ofSeconds(30));
    assertThat(created.status()).as(created.text()).isIn(200, 201);
  }

  @AfterEach
  void removeEverythingLabelled() {
    if (engine == null) {
      return;
    }
    for (ContainerFleet fleet : fleets) {
      try {
        fleet.awaitTerminations(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (JsonNode c : engine.list(Map.of(ContainerFleet.LABEL_DEPLOYMENT, deployment))) {
      engine.remove(c.path("Id").asText());
    }
    engine.volumes(Map.of(ContainerFleet.LABEL_DEPLOYMENT, deployment)).forEach(engine::removeVolume);
    engine.call("DELETE", "/networks/" + network, null, Duration.ofSeconds(30));
  }

  private ContainerFleet fleet(String region, String agentImage) throws Exception {
    Path agentFile = Files.writeString(dir.resolve("agent.yaml"), "mode: local\n");
    Path enclaveFile = Files.writeString(dir.resolve("enclave.yaml"), "mode: local\n");
    Path models = Files.createDirectories(dir.resolve("models"));
    Path secrets = Files.createDirectories(dir.resolve("secrets"));
    ContainerFleet.Settings settings = new ContainerFleet.Settings(SOCKET, deployment, network, agentImage, COMMAND,
        IMAGE, COMMAND, agentFile, enclaveFile, List.of(new ContainerFleet.Mount(models, "/models")),
        List.of(new ContainerFleet.Mount(secrets, "/etc/mrgc/secrets")),
        List.of("MRGC_PEER_AUTH_KEYS", "MRGC_UNSET_IN_TEST"), 256L << 20, Duration.ofSeconds(2), "10001:10001");
    ContainerFleet fleet = new ContainerFleet(region, settings, engine, Map.of("MRGC_PEER_AUTH_KEYS", "k1=secret"));
    fleets.add(fleet);
    return fleet;
  }

  @Test
  void launchDescribeTerminateOneInstanceOfAgentEnclaveAndVolume() throws Exception {
    ContainerFleet fleet = fleet(region, IMAGE);
    assertThat(fleet.preflight()).isEmpty();

    List<String> ids = fleet.launch(1);
    assertThat(ids).singleElement().asString().matches("i-[0-9a-f]{17}");
    String id = ids.get(0);

    List<FleetInstance> described = fleet.describe();
    assertThat(described).singleElement().satisfies(i -> {
      assertThat(i.id()).isEqualTo(id);
      assertThat(i.state()).isEqualTo(InstanceLifecycle.RUNNING);
      assertThat(i.launchedAt()).isNotNull();
      assertThat(i.privateIp()).isNotNull();
    });

    JsonNode agent = engine.inspect(deployment + "-" + region + "-" + id).orElseThrow();
    assertThat(agent.path("State").path("Status").asText()).isEqualTo("running");
    assertThat(agent.path("Config").path("Labels").path(ContainerFleet.LABEL_ROLE).asText()).isEqualTo("agent");
    assertThat(agent.path("Config").path("Labels").path(ContainerFleet.LABEL_INSTANCE).asText()).isEqualTo(id);
    List<String> env = new ArrayList<>();
    agent.path("Config").path("Env").forEach(e -> env.add(e.asText()));
    assertThat(env).contains("MRGC_INSTANCE_ID=" + id, "MRGC_LISTENER_HOST=" + deployment + "-" + region + "-" + id,
        "MRGC_LISTENER_PORT=8080", "MRGC_ENCLAVE_SOCKET=/run/mrgc-enclave/enclave.sock",
        "MRGC_HEALTHCHECK_URL=http://127.0.0.1:8080/readyz", "MRGC_PEER_AUTH_KEYS=k1=secret");
    assertThat(env).noneMatch(e -> e.startsWith("MRGC_UNSET_IN_TEST"));
    assertThat(agent.path("HostConfig").path("ReadonlyRootfs").asBoolean()).isTrue();
    assertThat(agent.path("HostConfig").path("Memory").asLong()).isEqualTo(256L << 20);
    assertThat(agent.path("NetworkSettings").path("Networks").has(network)).isTrue();
    assertThat(mounts(agent)).contains("/run/mrgc-enclave", "/etc/mrgc/agent.yaml", "/models")
        .as("the enclave's keys are never in the agent").doesNotContain("/etc/mrgc/secrets");

    JsonNode enclave = engine.inspect(deployment + "-" + region + "-" + id + "-enclave").orElseThrow();
    assertThat(enclave.path("State").path("Status").asText()).isEqualTo("running");
    assertThat(enclave.path("Config").path("Labels").path(ContainerFleet.LABEL_ROLE).asText()).isEqualTo("enclave");
    assertThat(enclave.path("HostConfig").path("NetworkMode").asText()).isEqualTo("none");
    assertThat(enclave.path("HostConfig").path("ReadonlyRootfs").asBoolean()).isTrue();
    assertThat(mounts(enclave)).contains("/run/mrgc-enclave", "/etc/mrgc/enclave.yaml", "/etc/mrgc/secrets")
        .doesNotContain("/models");
    assertThat(engine.volumes(Map.of(ContainerFleet.LABEL_DEPLOYMENT, deployment, ContainerFleet.LABEL_INSTANCE, id)))
        .containsExactly(deployment + "-" + region + "-" + id + "-socket");

    // Another region of the same deployment sees none of it.
    assertThat(fleet("us-other-" + suffix, IMAGE).describe()).isEmpty();

    assertThat(fleet.terminate(List.of(id, "i-00000000000000000"))).containsExactly(
        new StateChange(id, InstanceLifecycle.RUNNING, InstanceLifecycle.SHUTTING_DOWN),
        new StateChange("i-00000000000000000", InstanceLifecycle.TERMINATED, InstanceLifecycle.TERMINATED));
    assertThat(fleet.describe()).extracting(FleetInstance::state).containsExactly(InstanceLifecycle.SHUTTING_DOWN);
    assertThat(fleet.awaitTerminations(Duration.ofSeconds(30))).isTrue();
    assertThat(fleet.describe()).isEmpty();
    assertThat(engine.list(Map.of(ContainerFleet.LABEL_DEPLOYMENT, deployment))).isEmpty();
    assertThat(engine.volumes(Map.of(ContainerFleet.LABEL_DEPLOYMENT, deployment))).isEmpty();
  }

  @Test
  void anAgentThatExitedIsStoppedAndAFailedLaunchLeavesNothing() throws Exception {
    ContainerFleet fleet = fleet(region, IMAGE);
    String id = fleet.launch(1).get(0);
    engine.kill(deployment + "-" + region + "-" + id, "SIGKILL");
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (fleet.describe().get(0).state() != InstanceLifecycle.STOPPED && System.nanoTime() < until) {
      Thread.sleep(100);
    }
    assertThat(fleet.describe()).extracting(FleetInstance::state).containsExactly(InstanceLifecycle.STOPPED);
    assertThat(fleet.terminate(List.of(id))).containsExactly(
        new StateChange(id, InstanceLifecycle.STOPPED, InstanceLifecycle.SHUTTING_DOWN));
    assertThat(fleet.awaitTerminations(Duration.ofSeconds(30))).isTrue();

    ContainerFleet broken = fleet(region, "localhost/mrgc-no-such-image:none");
    assertThat(broken.preflight()).containsExactly("image 'localhost/mrgc-no-such-image:none' not found in the "
        + "engine; build it (./mrgc images build) or set fleet.container.agentImage");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> broken.launch(1))
        .isInstanceOfSatisfying(io.mrgc.autoscaler.fleet.FleetException.class,
            e -> assertThat(e.errorCode()).isEqualTo("Engine404"));
    assertThat(engine.list(Map.of(ContainerFleet.LABEL_DEPLOYMENT, deployment))).isEmpty();
    assertThat(engine.volumes(Map.of(ContainerFleet.LABEL_DEPLOYMENT, deployment))).isEmpty();
  }

  @Test
  void preflightNamesAMissingNetworkAndADeadSocket() throws Exception {
    ContainerFleet.Settings s = ContainerFleet.Settings.of("mrgc-no-such-network-" + suffix, dir.resolve("a.yaml"),
        dir.resolve("e.yaml"));
    ContainerFleet.Settings withImages = new ContainerFleet.Settings(SOCKET, deployment, s.network(), IMAGE,
        COMMAND, IMAGE, COMMAND, s.agentConfigFile(), s.enclaveConfigFile(), List.of(), List.of(), List.of(), 0,
        Duration.ofSeconds(2), "10001:10001");
    assertThat(new ContainerFleet(region, withImages).preflight()).containsExactly("network 'mrgc-no-such-network-"
        + suffix + "' not found in the engine; create it (podman network create mrgc-no-such-network-" + suffix
        + ") or set fleet.container.network");
    assertThat(new ContainerFleet(region, s, new EngineApi(dir.resolve("none.sock")), Map.of()).preflight())
        .singleElement().asString().startsWith("socket '" + dir.resolve("none.sock") + "' does not answer the Docker Engine API (")
        .endsWith("); mount podman's API socket there (local only: it is root-equivalent) or set "
            + "fleet.container.socket");
  }

  private static List<String> mounts(JsonNode container) {
    List<String> out = new ArrayList<>();
    container.path("Mounts").forEach(m -> out.add(m.path("Destination").asText()));
    return out;
  }
}
