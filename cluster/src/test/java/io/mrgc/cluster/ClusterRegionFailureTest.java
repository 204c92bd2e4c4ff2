package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.cluster.frontdoor.HealthCheckOptions;
import io.mrgc.failover.health.HealthThresholds;
import io.mrgc.failover.ops.FailoverOperations;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.tenant.MrgcClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6's chaos in the local cluster, under steady encrypted load from the tenant SDK through the front door:
 * every process of a region stops -> its tenants' traffic moves to another region (time to shift and client errors
 * recorded), it restarts -> RECOVERING ramps the dial back and it ends NORMAL; a planned drain and undrain under load
 * lose no request. Holds and health checks are short (1 s evaluations, 1 s checks) so the test takes seconds; the
 * benchmark in docs/benchmarks.md uses Global Accelerator's settings.
 */
class ClusterRegionFailureTest {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final String HOME = "us-east-1"; // the front door's default home region
  @TempDir
  static Path stateDir;
  private static LocalCluster cluster;
  private static MrgcClient sdk;
  private static FailoverOperations failover;

  @BeforeAll
  static void start() {
    FailoverOptions fast = new FailoverOptions(FastHolds.EVALUATION_PERIOD,
        new HealthThresholds(1, Duration.ofSeconds(3), Duration.ofSeconds(30), 20, 0.05, 0.5, Duration.ofSeconds(2),
            Duration.ofSeconds(1)),
        FastHolds.machine());
    cluster = LocalCluster.start(LocalClusterOptions.ephemeral(stateDir).withFailover(fast)
        .withHealthCheck(new HealthCheckOptions(Duration.ofSeconds(1), 2, HealthCheckOptions.DEFAULT_TIMEOUT,
            HealthCheckOptions.DEFAULT_PATH)));
    cluster.awaitServing(Duration.ofSeconds(60));
    TenantAdmin.Credentials tenant = cluster.createTenant("chaos",
        new TenantAdmin.TenantSettings(List.of(), List.of(), 10_000.0, 10_000));
    URI anycast = cluster.anycastUrls().values().iterator().next();
    sdk = MrgcClient.builder().endpoint(anycast).tenant(tenant.tenantId()).apiKey(tenant.apiKey())
        .kmsKeyId(tenant.kmsKeyId()).dataKeySource(cluster.tenantKeySource()).build();
    failover = FailoverOperations.defaults(cluster.stateClient(HOME), cluster.regions(), Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    sdk.close();
    cluster.close();
  }

  @Test
  void aRegionThatDiesUnderLoadLosesItsTrafficToTheOthersAndRampsBackWhenItReturns() throws Exception {
    try (SteadyLoad load = new SteadyLoad(sdk, MODEL, 3)) {
      Thread.sleep(2_000);
      long stoppedAt = System.nanoTime();
      cluster.stopRegion(HOME);
      waitFor(HOME + " to be FAILOVER_ACTIVE", () -> "FAILOVER_ACTIVE".equals(row(HOME).getFailoverState()));
      long okAtStop = load.ok.get();
      waitFor("requests to succeed again elsewhere", () -> load.ok.get() > okAtStop + 20);
      double shiftSeconds = (load.lastErrorNanos.get() == 0 ? 0 : load.lastErrorNanos.get() - stoppedAt) / 1e9;
      System.out.printf("unplanned failure of %s: last client error %.1f s after the stop; %d errors of %d "
          + "requests so far%n", HOME, Math.max(0, shiftSeconds), load.errors.get(), load.total());
      assertThat(load.errors.get()).as("client errors during the shift (of %d)", load.total())
          .isLessThanOrEqualTo(Math.max(10, load.total() / 10));

      cluster.startRegion(HOME);
      waitFor(HOME + " to ramp back and be NORMAL with dial 100", () -> {
        FailoverRowItem row = row(HOME);
        return "NORMAL".equals(row.getFailoverState()) && row.getTrafficDial() == 100;
      });
      assertThat(failover.history(HOME).join()).extracting(t -> t.getToState() + "@" + t.getToDial())
          .containsSubsequence("FAILOVER_ACTIVE@0", "RECOVERING@10", "RECOVERING@50", "RECOVERING@100", "NORMAL@100");
      // The restarted region's new controller serves its meters on its admin listener.
      waitFor(HOME + "'s new controller to show its meters", () -> RouterScrape.controllerMetrics(cluster, HOME)
          .contains("mrgc_failover_verdict{"));
      System.out.printf("after the restart: %d errors of %d requests in all%n", load.errors.get(), load.total());
    }
  }

  @Test
  void aPlannedDrainAndUndrainUnderLoadLoseNoRequest() throws Exception {
    waitFor("every region NORMAL", () -> cluster.regions().stream()
        .allMatch(r -> "NORMAL".equals(row(r).getFailoverState()) && row(r).getTrafficDial() == 100));
    try (SteadyLoad load = new SteadyLoad(sdk, MODEL, 3)) {
      Thread.sleep(1_000);
      assertThat(MrgcRun.against(cluster.dynamoDb().endpoint(), "failover", "drain", HOME, "--reason", "drill")
          .exit()).isZero();
      waitFor(HOME + " drained to dial 0", () -> row(HOME).getTrafficDial() == 0
          && "DRAINED".equals(row(HOME).getDrain()));
      Thread.sleep(2_000);
      assertThat(MrgcRun.against(cluster.dynamoDb().endpoint(), "failover", "undrain", HOME, "--reason", "done")
          .exit()).isZero();
      waitFor(HOME + " back to NORMAL with dial 100", () -> "NORMAL".equals(row(HOME).getFailoverState())
          && row(HOME).getTrafficDial() == 100 && row(HOME).getDrain() == null);
      System.out.printf("planned drain and undrain of %s: %d errors of %d requests%n", HOME, load.errors.get(),
          load.total());
      assertThat(load.errors.get()).as("client errors during a planned drain (first: %s)", load.firstError)
          .isZero();
    }
  }

  private static FailoverRowItem row(String region) {
    return failover.status(region).join().row();
  }

  private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      Thread.sleep(200);
    }
  }
}
