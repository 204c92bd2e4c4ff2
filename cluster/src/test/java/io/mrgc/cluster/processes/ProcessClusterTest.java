package io.mrgc.cluster.processes;

import static io.mrgc.cluster.DeploymentProbes.metrics;
import static io.mrgc.cluster.DeploymentProbes.row;
import static io.mrgc.cluster.DeploymentProbes.sum;
import static io.mrgc.cluster.DeploymentProbes.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.cluster.MrgcRun;
import io.mrgc.cluster.SteadyLoad;
import io.mrgc.cluster.TenantAdmin;
import io.mrgc.failover.ops.FailoverOperations;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.router.RouterOptions;
import io.mrgc.state.ServiceFixture;
import io.mrgc.tenant.MrgcClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's acceptance on {@code mrgc up --processes}: every service a JVM of its own, started from its file, two
 * routers per region behind the front door, the agents launched by each region's control process. Encrypted
 * embeddings through both anycast addresses; kill -9 of an agent under load; SIGTERM of a router under load; SIGSTOP
 * of every process of a region and SIGCONT; SIGTERM of a leading control process. Failover holds are the fast ones
 * (seconds), as in the one-JVM chaos tests.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProcessClusterTest {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final String HOME = "us-east-1"; // the front door's default home region
  private static final String VICTIM = "us-east-2";

  @TempDir
  static Path stateDir;
  private static ProcessCluster cluster;
  private static TenantAdmin.Credentials tenant;
  private static MrgcClient sdk;

  @BeforeAll
  static void start() {
    long started = System.nanoTime();
    cluster = ProcessCluster.start(ProcessClusterOptions.ephemeral(stateDir).withAgentsPerRegion(2));
    System.out.printf("processes deployment ready in %.1f s, %d MiB resident in all%n",
        (System.nanoTime() - started) / 1e9, cluster.residentBytes() >> 20);
    tenant = cluster.createTenant("procs", new TenantAdmin.TenantSettings(List.of(), List.of(), 10_000.0, 10_000));
    sdk = client(cluster.anycastUrls().values().iterator().next());
  }

  @AfterAll
  static void stop() {
    if (sdk != null) {
      sdk.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private static MrgcClient client(URI endpoint) {
    return MrgcClient.builder().endpoint(endpoint).tenant(tenant.tenantId()).apiKey(tenant.apiKey())
        .kmsKeyId(tenant.kmsKeyId()).dataKeySource(cluster.tenantKeySource())
        .caCertificate(cluster.caCertificate()).build();
  }

  @Test
  @Order(1)
  void encryptedEmbeddingsThroughBothAnycastAddressesAndBothRoutersOfTheRegion() throws Exception {
    // A client per request: new connections, which the front door spreads over the region's two routers by flow
    // hash, as the NLB does (a kept-alive connection stays on its router).
    for (URI anycast : cluster.anycastUrls().values()) {
      for (int i = 0; i < 10; i++) {
        try (MrgcClient viaAddress = client(anycast)) {
          assertThat(viaAddress.embed(MODEL, List.of("The cat sits on the mat")).vectors())
              .as("through " + anycast).singleElement().satisfies(v -> assertThat(v).hasSize(384));
        }
      }
    }
    for (URI admin : cluster.routerAdminUrls().get(HOME)) {
      assertThat(sum(metrics(admin), "mrgc_router_requests_total", "")).as("requests served by " + admin)
          .isPositive();
    }
  }

  @Test
  @Order(2)
  void theSreCommandsWorkAgainstItAsAgainstTheOneJvmCluster() throws Exception {
    URI db = cluster.dynamoDb().endpoint();
    MrgcRun status = MrgcRun.against(db, "status");
    assertThat(status.exit()).as(status.err()).isZero();
    for (String region : cluster.regions()) {
      for (ChildProcess agent : cluster.agents(region)) {
        assertThat(status.out()).containsPattern(agent.name() + "\\s+" + region + "\\s+READY");
      }
    }
    MrgcRun failover = MrgcRun.against(db, "failover", "status");
    assertThat(failover.exit()).as(failover.err()).isZero();
    assertThat(failover.out()).contains("us-west-2").contains("NORMAL");
    // An SRE override: the region's control process launches one more agent process through its fleet.
    MrgcRun scale = MrgcRun.against(db, "scale", "set", "us-west-2", "3", "--for", "10m", "--by", "test");
    assertThat(scale.exit()).as(scale.err()).isZero();
    waitFor("a third agent in us-west-2, READY", () -> cluster.agents("us-west-2").size() == 3
        && MrgcRun.against(db, "status").out().lines().filter(l -> l.contains("us-west-2") && l.contains("READY"))
            .count() == 3);
  }

  @Test
  @Order(3)
  void anAgentKilledUnderLoadCostsNoClientErrorAndTheRoutersStopSendingToIt() throws Exception {
    List<ChildProcess> agents = cluster.agents(HOME);
    assertThat(agents).hasSize(2);
    ChildProcess victim = agents.get(0);
    try (SteadyLoad load = new SteadyLoad(sdk, MODEL, 3)) {
      waitFor("load to flow", () -> load.ok.get() > 20);
      victim.kill();
      long killedAt = System.nanoTime();
      assertThat(victim.awaitExit(Duration.ofSeconds(10))).isTrue();
      long okAtKill = load.ok.get();
      waitFor("requests to go on without the killed agent", () -> load.ok.get() > okAtKill + 50);
      // A router notices at its own first connect failure, and one whose picks stayed on the live instance may not
      // have tried the dead one yet; by the time the dead one's heartbeat is stale in every router's snapshot, all
      // have noticed.
      long noticedBy = killedAt + RouterOptions.DEFAULT_HEARTBEAT_STALE_AFTER
          .plus(RouterOptions.DEFAULT_SNAPSHOT_INTERVAL.multipliedBy(2)).toNanos();
      Thread.sleep(Math.max(0, (noticedBy - System.nanoTime()) / 1_000_000));
      double sentAfter = dispatchesTo(victim.name());
      long okAfter = load.ok.get();
      waitFor("more requests", () -> load.ok.get() > okAfter + 50);
      assertThat(dispatchesTo(victim.name())).as("dispatches to the killed instance once the routers noticed")
          .isEqualTo(sentAfter);
      System.out.printf("kill -9 of agent %s under load: %d errors of %d requests%n", victim.name(),
          load.errors.get(), load.total());
      assertThat(load.errors.get()).as("client errors (first: %s)", load.firstError).isZero();
    }
  }

  @Test
  @Order(4)
  void aRouterStoppedBySigtermFinishesItsRequestsWhileTheOtherTakesTheNewOnes() throws Exception {
    ChildProcess router = cluster.routers(HOME).get(0);
    URI otherAdmin = cluster.routerAdminUrls().get(HOME).get(1);
    try (SteadyLoad load = new SteadyLoad(sdk, MODEL, 3)) {
      waitFor("load to flow", () -> load.ok.get() > 20);
      router.terminate();
      assertThat(router.awaitExit(Duration.ofSeconds(40))).as(router + " exits").isTrue();
      assertThat(router.exitCode()).as(router + " exit code").isZero();
      double otherBefore = sum(metrics(otherAdmin), "mrgc_router_requests_total", "");
      long okAtExit = load.ok.get();
      waitFor("requests to go on through the other router", () -> load.ok.get() > okAtExit + 50);
      assertThat(sum(metrics(otherAdmin), "mrgc_router_requests_total", "")).isGreaterThan(otherBefore);
      System.out.printf("SIGTERM of %s under load: %d errors of %d requests%n", router.name(), load.errors.get(),
          load.total());
      assertThat(load.errors.get()).as("client errors (first: %s)", load.firstError).isZero();
    }
    String log = Files.readString(router.log());
    assertThat(log).contains("router stopping: SIGTERM received").containsPattern("router stopped: SIGTERM; drained \\d+ "
        + "in-flight request\\(s\\) in \\d+ ms, 0 cut off");
  }

  @Test
  @Order(5)
  void aRegionWhoseProcessesAllStopIsFailedOverAndRecoversWhenTheyContinue() throws Exception {
    FailoverOperations failover = FailoverOperations.defaults(cluster.stateClient(HOME), cluster.regions(),
        Clock.systemUTC());
    waitFor("every region NORMAL", () -> cluster.regions().stream()
        .allMatch(r -> "NORMAL".equals(row(failover, r).getFailoverState())));
    List<ChildProcess> frozen = cluster.regionProcesses(VICTIM);
    long stoppedAt = System.nanoTime();
    frozen.forEach(ChildProcess::pause);
    try {
      waitFor(VICTIM + " FAILOVER_ACTIVE", () -> "FAILOVER_ACTIVE".equals(row(failover, VICTIM).getFailoverState()));
      System.out.printf("SIGSTOP of the %d processes of %s: FAILOVER_ACTIVE after %.1f s%n", frozen.size(), VICTIM,
          (System.nanoTime() - stoppedAt) / 1e9);
    } finally {
      frozen.forEach(ChildProcess::resume);
    }
    long resumedAt = System.nanoTime();
    waitFor(VICTIM + " NORMAL with dial 100 again", () -> {
      FailoverRowItem row = row(failover, VICTIM);
      return "NORMAL".equals(row.getFailoverState()) && row.getTrafficDial() == 100;
    });
    System.out.printf("SIGCONT: %s NORMAL again after %.1f s%n", VICTIM, (System.nanoTime() - resumedAt) / 1e9);
    assertThat(failover.history(VICTIM).join()).extracting(t -> t.getToState())
        .containsSubsequence("FAILOVER_ACTIVE", "RECOVERING", "NORMAL");
  }

  @Test
  @Order(6)
  void aLeadingControlProcessStoppedBySigtermHandsItsLeaseOverWithinAnEvaluation() throws Exception {
    String lease = "failover/" + HOME;
    waitFor("a holder of " + lease, () -> holder(lease) != null && !"(released)".equals(holder(lease)));
    String leader = holder(lease);
    ChildProcess control = cluster.regions().stream().map(cluster::control)
        .filter(c -> leader.equals(c.name())).findFirst().orElseThrow();
    control.terminate();
    long stoppedAt = System.nanoTime();
    assertThat(control.awaitExit(Duration.ofSeconds(40))).isTrue();
    assertThat(control.exitCode()).isZero();
    assertThat(Files.readString(control.log())).contains("control stopped: SIGTERM;").contains("released " + lease);
    // Released, not expired: another controller leads at its next evaluation (1 s); the lease (10 s, renewed every
    // second) could not have expired before 9 s after the SIGTERM.
    waitFor("another holder of " + lease, () -> {
      String now = holder(lease);
      return now != null && !now.equals(leader) && !"(released)".equals(now);
    });
    double seconds = (System.nanoTime() - stoppedAt) / 1e9;
    System.out.printf("SIGTERM of the leader %s: %s taken by %s %.1f s after the SIGTERM%n", leader, lease,
        holder(lease), seconds);
    assertThat(seconds).as("takeover before the lease could have expired").isLessThan(9);
  }

  private static String holder(String lease) {
    return ServiceFixture.leaseHolder(cluster.stateClient(HOME), lease);
  }

  /** Dispatches to {@code instanceId} by every router of the home region still running. */
  private static double dispatchesTo(String instanceId) throws Exception {
    double total = 0;
    for (int i = 0; i < cluster.routers(HOME).size(); i++) {
      if (cluster.routers(HOME).get(i).alive()) {
        total += sum(metrics(cluster.routerAdminUrls().get(HOME).get(i)), "mrgc_router_dispatches_total",
            "instance=\"" + instanceId + "\"");
      }
    }
    return total;
  }
}
