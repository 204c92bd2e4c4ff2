package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.tenant.MrgcClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failover controllers in the local cluster and the SRE commands on them: every region is observed by the
 * others; an SRE forcing a region to FAILOVER_ACTIVE moves its tenants' traffic to another region through the data
 * plane alone (its router fails /healthz/region, the front door's health checks follow), with the move in the
 * region's history; forcing it NORMAL brings the traffic back.
 */
class ClusterFailoverTest {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final String HOME = "us-east-1"; // the front door's default home region
  @TempDir
  static Path stateDir;
  private static LocalCluster cluster;
  private static MrgcClient sdk;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(LocalClusterOptions.ephemeral(stateDir).withFailover(FailoverOptions.defaults()));
    cluster.awaitServing(Duration.ofSeconds(60));
    TenantAdmin.Credentials tenant = cluster.createTenant("drill",
        new TenantAdmin.TenantSettings(List.of(), List.of(), 10_000.0, 10_000));
    URI anycast = cluster.anycastUrls().values().iterator().next();
    sdk = MrgcClient.builder().endpoint(anycast).tenant(tenant.tenantId()).apiKey(tenant.apiKey())
        .kmsKeyId(tenant.kmsKeyId()).dataKeySource(cluster.tenantKeySource()).build();
  }

  @AfterAll
  static void stop() {
    sdk.close();
    cluster.close();
  }

  private static MrgcRun mrgc(String... args) {
    return MrgcRun.against(cluster.dynamoDb().endpoint(), args);
  }

  @Test
  void everyRegionIsObservedFromTheOthersAndJudgedHealthy() throws Exception {
    // Controllers start one after another: wait until every one has observed every region, not just two of them.
    waitFor("every controller to observe every region, and every region judged HEALTHY", () -> {
      String out = mrgc("failover", "status").out();
      return cluster.regions().stream().allMatch(region -> out.lines()
          .anyMatch(l -> l.startsWith(region) && l.contains("NORMAL") && l.contains("HEALTHY")))
          && cluster.regions().stream().allMatch(observer -> observations(out, observer) == cluster.regions().size());
    });
    String status = mrgc("failover", "status").out();
    assertThat(status).contains("observed from us-east-2").contains("observed from us-west-2");
  }

  private static long observations(String status, String observer) {
    return status.lines().filter(l -> l.contains("observed from " + observer + " ") && l.contains("HEALTHY")).count();
  }

  @Test
  void aForcedFailoverMovesTrafficThroughTheDataPlaneAndNormalBringsItBack() throws Exception {
    MrgcRun forced = mrgc("failover", "force", HOME, "FAILOVER_ACTIVE", "--reason", "evacuation drill",
        "--by", "alice");
    assertThat(forced.exit()).as(forced.err()).isZero();
    assertThat(forced.out()).contains(HOME + ": FAILOVER_ACTIVE, dial 0%");
    waitFor("the front door to send " + HOME + "'s tenants elsewhere", () -> servedOutside(HOME, 5));
    assertThat(mrgc("failover", "history", HOME).out())
        .containsPattern("NORMAL +FAILOVER_ACTIVE .* alice +force FAILOVER_ACTIVE: evacuation drill");

    assertThat(mrgc("failover", "force", HOME, "NORMAL", "--reason", "drill over").exit()).isZero();
    waitFor(HOME + " to take its tenants' traffic again", () -> !servedOutside(HOME, 1));
  }

  @Test
  void commandsRefuseBadInputWithMessagesThatSayWhatToFix() {
    assertThat(mrgc("failover", "force", "eu-west-9", "NORMAL", "--reason", "x").err())
        .contains("unknown region eu-west-9");
    assertThat(mrgc("failover", "force", HOME, "SIDEWAYS", "--reason", "x").err())
        .contains("unknown failover state SIDEWAYS (one of [NORMAL, DEGRADED, FAILOVER_ACTIVE, RECOVERING])");
    assertThat(mrgc("failover", "drain", HOME).err()).contains("Missing required option: '--reason");
    assertThat(mrgc("failover", "history", HOME, "--limit", "0").err())
        .contains("--limit must be between 1 and 100, but was 0");
  }

  @Test
  void eachControllersMetricsShowWhetherItLeads() throws Exception {
    String decided = "us-east-2"; // no other test moves it: NORMAL throughout
    Map<String, String> metrics = new LinkedHashMap<>();
    waitFor("a controller to show on its /metrics that it leads " + decided + ", NORMAL", () -> {
      cluster.regions().forEach(r -> metrics.put(r, RouterScrape.controllerMetrics(cluster, r)));
      return cluster.regions().stream().anyMatch(r -> metrics.get(r).contains(failoverLine("leader", r, decided, "1.0"))
          && metrics.get(r).contains(failoverLine("state", r, decided, "0.0")));
    });
    String leader = cluster.regions().stream()
        .filter(r -> metrics.get(r).contains(failoverLine("leader", r, decided, "1.0"))).findFirst().orElseThrow();
    String standby = cluster.regions().stream().filter(r -> !r.equals(leader) && !r.equals(decided)).findFirst()
        .orElseThrow();
    assertThat(metrics.get(standby)).contains(failoverLine("leader", standby, decided, "0.0"),
        failoverLine("state", standby, decided, "NaN"));
    // A region's own controller never decides for it, but observes it like every other region.
    assertThat(metrics.get(decided)).doesNotContain(failoverLine("leader", decided, decided, ""))
        .contains("mrgc_failover_verdict{observer=\"" + decided + "\",region=\"" + decided + "\"} ");
  }

  private static String failoverLine(String gauge, String controllerRegion, String region, String value) {
    return "mrgc_failover_" + gauge + "{controller_region=\"" + controllerRegion + "\",region=\"" + region + "\"} "
        + value;
  }

  /** Whether {@code count} requests in a row were all served by instances outside {@code region}. */
  private static boolean servedOutside(String region, int count) {
    for (int i = 0; i < count; i++) {
      long before = arrivalsIn(region);
      sdk.embed(MODEL, List.of("where am I served " + i));
      if (arrivalsIn(region) != before) {
        return false;
      }
    }
    return true;
  }

  private static long arrivalsIn(String region) {
    return cluster.agents().values().stream().filter(a -> a.options().region().equals(region))
        .mapToLong(a -> a.arrivals().size()).sum();
  }

  private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      Thread.sleep(250);
    }
  }
}
