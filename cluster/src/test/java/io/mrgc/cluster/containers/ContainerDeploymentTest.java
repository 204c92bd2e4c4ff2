package io.mrgc.cluster.containers;

import static io.mrgc.cluster.DeploymentProbes.row;
import static io.mrgc.cluster.DeploymentProbes.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import io.mrgc.cluster.MrgcRun;
import io.mrgc.cluster.SteadyLoad;
import io.mrgc.cluster.TenantAdmin;
import io.mrgc.failover.ops.FailoverOperations;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.tenant.MrgcClient;
import io.mrgc.tenant.RetryPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12's acceptance on {@code mrgc up --containers}: every service in its own container, every region on its own
 * container network, the agents launched by each region's control container. Checked from outside through
 * Testcontainers' client of the same engine (what runs, as whom, on which networks); traffic from the host only to
 * ports published on 127.0.0.1 and the loopback anycast addresses. Under steady encrypted load from the SDK (with its
 * retries): kill an agent container, cut the home region's network and restore it, drain a region with
 * {@code mrgc failover drain}. Each figure is printed ("containers: ...") for docs/benchmarks.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerDeploymentTest {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final String HOME = "us-east-1"; // the front door's default home region: the load goes there
  private static final String OTHER = "us-west-2";

  @TempDir
  static Path stateDir;
  private static ContainerCluster cluster;
  private static DockerClient docker;
  private static TenantAdmin.Credentials tenant;
  private static MrgcClient sdk;

  @BeforeAll
  static void start() {
    docker = ContainerRuntime.requireOrSkip(List.of(ContainerClusterOptions.DEFAULT_IMAGE,
        ContainerClusterOptions.DEFAULT_ENCLAVE_IMAGE));
    long started = System.nanoTime();
    ContainerClusterOptions options = ContainerClusterOptions.ephemeral(stateDir,
        "mrgct" + UUID.randomUUID().toString().substring(0, 6));
    cluster = ContainerCluster.start(new ContainerClusterOptions(options.stateDir(), options.deployment(),
        options.regions(), 1, 2, options.anycastAddresses(), 0, 0, options.image(), options.enclaveImage(), true));
    double seconds = (System.nanoTime() - started) / 1e9;
    Map<String, Long> memory = cluster.memoryBytes();
    System.out.printf("containers: deployment ready in %.1f s, %d containers, %d MiB resident in all; per container "
        + "(MiB): %s%n", seconds, memory.size(), memory.values().stream().mapToLong(Long::longValue).sum() >> 20,
        memory.entrySet().stream().map(e -> e.getKey() + "=" + (e.getValue() >> 20))
            .collect(Collectors.joining(", ")));
    tenant = cluster.createTenant("boxed", new TenantAdmin.TenantSettings(List.of(), List.of(), 10_000.0, 10_000));
    sdk = client(cluster.anycastUrls().values().iterator().next(), patientRetries());
  }

  @AfterAll
  static void stop() {
    if (sdk != null) {
      sdk.close();
    }
    if (cluster != null) {
      String deployment = cluster.options().deployment();
      cluster.close();
      assertThat(labelled(deployment)).as("containers left after close").isEmpty();
    }
  }

  /** Retries that outlast a failover: 3 s per attempt, up to 10 attempts within 60 s. */
  private static RetryPolicy patientRetries() {
    return RetryPolicy.custom().maxAttempts(10).maxBackoff(Duration.ofSeconds(2)).totalBudget(Duration.ofSeconds(60))
        .build();
  }

  private static MrgcClient client(URI endpoint, RetryPolicy retries) {
    return client(endpoint, retries, Duration.ofSeconds(3));
  }

  private static MrgcClient client(URI endpoint, RetryPolicy retries, Duration timeout) {
    return MrgcClient.builder().endpoint(endpoint).tenant(tenant.tenantId()).apiKey(tenant.apiKey())
        .kmsKeyId(tenant.kmsKeyId()).dataKeySource(cluster.tenantKeySource())
        .caCertificate(cluster.caCertificate()).timeout(timeout).retries(retries).build();
  }

  @Test
  @Order(1)
  void everyServiceRunsInItsOwnContainerAsTheServiceUserEachRegionOnItsOwnNetwork() {
    Map<String, List<Container>> byRole = labelled(cluster.options().deployment()).stream()
        .collect(Collectors.groupingBy(c -> c.getLabels().get(ContainerCluster.ROLE_LABEL)));
    assertThat(byRole.keySet()).containsExactlyInAnyOrder("dynamodb", "front-door", "router", "control", "agent",
        "enclave");
    assertThat(byRole.get("router")).hasSize(3);
    assertThat(byRole.get("control")).hasSize(3);
    assertThat(byRole.get("agent")).hasSize(6);
    assertThat(byRole.get("enclave")).hasSize(6);
    for (List<Container> role : byRole.values()) {
      for (Container container : role) {
        InspectContainerResponse inspected = docker.inspectContainerCmd(container.getId()).exec();
        assertThat(inspected.getState().getRunning()).as(container.getNames()[0]).isTrue();
        assertThat(inspected.getConfig().getUser()).as("user of " + container.getNames()[0]).startsWith("10001");
        assertThat(inspected.getHostConfig().getReadonlyRootfs()).as("read-only " + container.getNames()[0]).isTrue();
      }
    }
    for (String role : List.of("router", "agent")) {
      for (Container container : byRole.get(role)) {
        String region = container.getLabels().get(ContainerCluster.REGION_LABEL);
        assertThat(networks(container)).as(role + " " + container.getNames()[0] + "'s networks")
            .containsExactly(cluster.options().network(region));
      }
    }
    for (Container enclave : byRole.get("enclave")) {
      assertThat(docker.inspectContainerCmd(enclave.getId()).exec().getHostConfig().getNetworkMode())
          .as("an enclave has no network").isEqualTo("none");
    }
    List<String> everyRegion = cluster.regions().stream().map(cluster.options()::network).toList();
    assertThat(networks(byRole.get("front-door").get(0))).containsExactlyInAnyOrderElementsOf(everyRegion);
    assertThat(networks(byRole.get("dynamodb").get(0))).containsExactlyInAnyOrderElementsOf(everyRegion);
    // From the host, only loopback: the published ports
    labelled(cluster.options().deployment()).forEach(c -> List.of(c.getPorts()).forEach(port -> {
      if (port.getIp() != null && port.getPublicPort() != null) {
        assertThat(port.getIp()).as("published address of " + c.getNames()[0]).startsWith("127.");
      }
    }));
  }

  @Test
  @Order(2)
  void encryptedEmbeddingsThroughBothAnycastAddressesAndTheSreCommandsWork() {
    for (URI anycast : cluster.anycastUrls().values()) {
      for (int i = 0; i < 5; i++) {
        // No retries; a first request may pay a container's cold start (first decrypt, first TLS handshake)
        try (MrgcClient viaAddress = client(anycast, RetryPolicy.none(), Duration.ofSeconds(15))) {
          assertThat(viaAddress.embed(MODEL, List.of("The cat sits on the mat")).vectors())
              .as("through " + anycast).singleElement().satisfies(v -> assertThat(v).hasSize(384));
        }
      }
    }
    URI db = cluster.stateEndpoint();
    MrgcRun status = MrgcRun.against(db, "status");
    assertThat(status.exit()).as(status.err()).isZero();
    assertThat(readyAgents(status.out(), null)).as(status.out()).isEqualTo(6);
    MrgcRun failover = MrgcRun.against(db, "failover", "status");
    assertThat(failover.exit()).as(failover.err()).isZero();
    assertThat(failover.out()).contains(OTHER).contains("NORMAL");
  }

  @Test
  @Order(3)
  void anAgentContainerKilledUnderLoadCostsNoClientError() throws Exception {
    String victim = cluster.chaos().running("agent", HOME).get(0);
    try (SteadyLoad load = new SteadyLoad(sdk, MODEL, 3)) {
      waitFor("load to flow", () -> load.ok.get() > 20);
      cluster.chaos().kill(victim);
      assertThat(docker.inspectContainerCmd(victim).exec().getState().getRunning()).isFalse();
      long okAtKill = load.ok.get();
      waitFor("requests to go on without the killed agent", () -> load.ok.get() > okAtKill + 100);
      System.out.printf("containers: SIGKILL of agent container %s under load: %d errors of %d requests%n", victim,
          load.errors.get(), load.total());
      assertThat(load.errors.get()).as("client errors (first: %s)", load.firstError).isZero();
    }
    // the region's control container notices and launches a replacement through its fleet
    waitFor("two running agents in " + HOME + " again", () -> cluster.chaos().running("agent", HOME).size() == 2
        && readyAgents(MrgcRun.against(cluster.stateEndpoint(), "status").out(), HOME) == 2);
  }

  @Test
  @Order(4)
  void aRegionCutOffItsNetworkIsFailedOverWithoutALostRequestAndRecoversWhenRestored() throws Exception {
    FailoverOperations failover = FailoverOperations.defaults(cluster.stateClient("us-east-2"), cluster.regions(),
        Clock.systemUTC());
    waitFor("every region NORMAL", () -> cluster.regions().stream()
        .allMatch(r -> "NORMAL".equals(row(failover, r).getFailoverState())));
    try (SteadyLoad load = new SteadyLoad(sdk, MODEL, 3)) {
      waitFor("load to flow", () -> load.ok.get() > 20);
      long cutAt = System.nanoTime();
      List<String> cut = cluster.chaos().cut(HOME);
      assertThat(cut).isNotEmpty();
      String frontDoor = cluster.options().deployment() + "-front-door";
      assertThat(networks(docker.inspectContainerCmd(frontDoor).exec()))
          .doesNotContain(cluster.options().network(HOME));
      // A request begun after the cut can only be served by the survivors.
      MrgcClient probe = client(cluster.anycastUrls().values().iterator().next(), patientRetries());
      probe.embed(MODEL, List.of("after the cut"));
      double survivorsAfter = (System.nanoTime() - cutAt) / 1e9;
      probe.close();
      waitFor(HOME + " FAILOVER_ACTIVE", () -> "FAILOVER_ACTIVE".equals(row(failover, HOME).getFailoverState()));
      double failedOverAfter = (System.nanoTime() - cutAt) / 1e9;
      long okAtFailover = load.ok.get();
      waitFor("load on the survivors", () -> load.ok.get() > okAtFailover + 50);
      System.out.printf("containers: network cut of %s under load: a new request served by the survivors %.1f s "
          + "after the cut, FAILOVER_ACTIVE after %.1f s; %d errors of %d requests with the SDK's retries%n", HOME,
          survivorsAfter, failedOverAfter, load.errors.get(), load.total());
      assertThat(load.errors.get()).as("client errors (first: %s)", load.firstError).isZero();

      long restoredAt = System.nanoTime();
      assertThat(cluster.chaos().restore()).isNotEmpty();
      waitFor(HOME + " NORMAL with dial 100 again", () -> {
        FailoverRowItem row = row(failover, HOME);
        return "NORMAL".equals(row.getFailoverState()) && row.getTrafficDial() == 100;
      });
      System.out.printf("containers: network of %s restored: NORMAL again after %.1f s; %d errors of %d requests%n",
          HOME, (System.nanoTime() - restoredAt) / 1e9, load.errors.get(), load.total());
      assertThat(load.errors.get()).as("client errors (first: %s)", load.firstError).isZero();
    }
    assertThat(failover.history(HOME).join()).extracting(t -> t.getToState())
        .containsSubsequence("FAILOVER_ACTIVE", "RECOVERING", "NORMAL");
  }

  @Test
  @Order(5)
  void aPlannedDrainLosesNoRequest() throws Exception {
    FailoverOperations failover = FailoverOperations.defaults(cluster.stateClient(HOME), cluster.regions(),
        Clock.systemUTC());
    // The load's home region (the front door's default) is drained: the dial steps down, the others take it.
    try (SteadyLoad load = new SteadyLoad(sdk, MODEL, 3)) {
      waitFor("load to flow", () -> load.ok.get() > 20);
      long drainAt = System.nanoTime();
      MrgcRun drain = MrgcRun.against(cluster.stateEndpoint(), "failover", "drain", HOME, "--reason",
          "containers drill");
      assertThat(drain.exit()).as(drain.err()).isZero();
      waitFor(HOME + " drained", () -> "DRAINED".equals(row(failover, HOME).getDrain()));
      double drainedAfter = (System.nanoTime() - drainAt) / 1e9;
      long okAtDrained = load.ok.get();
      waitFor("load on the others", () -> load.ok.get() > okAtDrained + 50);
      System.out.printf("containers: planned drain of %s under load: drained after %.1f s; %d errors of %d "
          + "requests%n", HOME, drainedAfter, load.errors.get(), load.total());
      assertThat(load.errors.get()).as("client errors (first: %s)", load.firstError).isZero();
      MrgcRun undrain = MrgcRun.against(cluster.stateEndpoint(), "failover", "undrain", HOME, "--reason",
          "drill over");
      assertThat(undrain.exit()).as(undrain.err()).isZero();
    }
  }

  /** Instance rows of {@code mrgc status} that are READY (in {@code region}, or anywhere when null). */
  private static long readyAgents(String status, String region) {
    return status.lines().filter(l -> l.matches("i-\\S+\\s+(" + (region == null ? "\\S+" : region)
        + ")\\s+READY\\b.*")).count();
  }

  private static List<Container> labelled(String deployment) {
    return docker.listContainersCmd().withShowAll(true)
        .withLabelFilter(Map.of(ContainerCluster.LABEL, deployment)).exec();
  }

  private static List<String> networks(Container container) {
    return networks(docker.inspectContainerCmd(container.getId()).exec());
  }

  private static List<String> networks(InspectContainerResponse inspected) {
    return List.copyOf(inspected.getNetworkSettings().getNetworks().keySet());
  }
}
