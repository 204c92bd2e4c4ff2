package io.mrgc.cluster.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.cluster.FailoverOptions;
import io.mrgc.cluster.LocalCluster;
import io.mrgc.cluster.LocalClusterOptions;
import io.mrgc.cluster.SteadyLoad;
import io.mrgc.cluster.TenantAdmin;
import io.mrgc.cluster.frontdoor.HealthCheckOptions;
import io.mrgc.failover.machine.FailoverState;
import io.mrgc.failover.machine.Hold;
import io.mrgc.failover.machine.MachineConfig;
import io.mrgc.failover.ops.FailoverOperations;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.tenant.MrgcClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6's benchmark (not a test; docs/benchmarks.md): {@value #FAILURES} injected region failures in the local
 * cluster with the front door's health checks at Global Accelerator's fastest allowed settings (10 s interval,
 * threshold 2), under steady encrypted load from the tenant SDK. A failure stops every process of us-east-1 (the
 * front door's default home, so all the load heads there). Per failure: time until the front door's health checks
 * take the region out (from then on no request even tries it: all traffic on survivors), time until the failover
 * controllers declare it FAILOVER_ACTIVE (two observers, default holds), and client errors from the stop until the
 * health checks took it out. Between failures the region is restarted and an SRE forces it NORMAL (the measured part
 * is the failure, not the ramp). Then one planned drain and undrain under load, with drain holds of 5 s.
 *
 * <p>Run: {@code mvn -B -o -q -pl cluster test -Dgroups=benchmark -DexcludedGroups=none
 * -Dtest='RegionFailoverBenchmark'}; the table lands in
 * {@code cluster/target/surefire-reports/io.mrgc.cluster.bench.RegionFailoverBenchmark-output.txt}.
 */
@Tag("benchmark")
class RegionFailoverBenchmark {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final String HOME = "us-east-1";
  private static final int FAILURES = 10;
  private static final int THREADS = 3;

  @TempDir
  Path stateDir;

  private record Shift(double outOfRotationSeconds, double failoverActiveSeconds, long errors, long requests) {}

  @Test
  void timeToShiftAndErrorsOverInjectedRegionFailures() throws Exception {
    MachineConfig defaults = MachineConfig.defaults();
    FailoverOptions failover = new FailoverOptions(FailoverOptions.DEFAULT_EVALUATION_PERIOD,
        FailoverOptions.defaults().health(),
        new MachineConfig(defaults.degradeAfter(), defaults.failAfter(), defaults.clearAfter(),
            defaults.recoverAfter(), defaults.rampHold(), defaults.rampSteps(), defaults.drainSteps(),
            Duration.ofSeconds(5), defaults.relapseMemory()));
    HealthCheckOptions gaFastest = new HealthCheckOptions(Duration.ofSeconds(10), 2,
        HealthCheckOptions.DEFAULT_TIMEOUT, HealthCheckOptions.DEFAULT_PATH);
    try (LocalCluster cluster = LocalCluster.start(LocalClusterOptions.ephemeral(stateDir).withFailover(failover)
        .withHealthCheck(gaFastest))) {
      cluster.awaitServing(Duration.ofSeconds(60));
      TenantAdmin.Credentials tenant = cluster.createTenant("bench",
          new TenantAdmin.TenantSettings(List.of(), List.of(), 100_000.0, 100_000));
      URI anycast = cluster.anycastUrls().values().iterator().next();
      FailoverOperations ops = FailoverOperations.defaults(cluster.stateClient(HOME), cluster.regions(),
          Clock.systemUTC());
      try (MrgcClient sdk = MrgcClient.builder().endpoint(anycast).tenant(tenant.tenantId())
          .apiKey(tenant.apiKey()).kmsKeyId(tenant.kmsKeyId()).dataKeySource(cluster.tenantKeySource()).build();
          SteadyLoad load = new SteadyLoad(sdk, MODEL, THREADS)) {
        List<Shift> shifts = new ArrayList<>();
        for (int i = 0; i < FAILURES; i++) {
          waitFor(Duration.ofSeconds(120), () -> cluster.frontDoor().healthy(HOME)
              && "NORMAL".equals(row(ops).getFailoverState()) && row(ops).getTrafficDial() == 100);
          Thread.sleep(2_000);
          long errorsBefore = load.errors.get();
          long requestsBefore = load.total();
          long stopped = System.nanoTime();
          cluster.stopRegion(HOME);
          // Both watched in one loop: either may come first, and each is timed when first seen.
          long outOfRotation = 0;
          long declared = 0;
          long errors = 0;
          long requests = 0;
          long deadline = stopped + Duration.ofSeconds(120).toNanos();
          while (outOfRotation == 0 || declared == 0) {
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException("failure " + (i + 1) + ": timed out after 120 s");
            }
            if (outOfRotation == 0 && !cluster.frontDoor().healthy(HOME)) {
              outOfRotation = System.nanoTime();
              errors = load.errors.get() - errorsBefore;
              requests = load.total() - requestsBefore;
            }
            if (declared == 0 && "FAILOVER_ACTIVE".equals(row(ops).getFailoverState())) {
              declared = System.nanoTime();
            }
            Thread.sleep(100);
          }
          shifts.add(new Shift((outOfRotation - stopped) / 1e9, (declared - stopped) / 1e9, errors, requests));
          System.out.printf(Locale.ROOT, "failure %d: out of rotation %.1f s, FAILOVER_ACTIVE %.1f s, %d errors "
              + "of %d requests%n", i + 1, (outOfRotation - stopped) / 1e9, (declared - stopped) / 1e9, errors,
              requests);
          cluster.startRegion(HOME);
          ops.force(HOME, FailoverState.NORMAL, "benchmark", "next injected failure").join();
        }

        waitFor(Duration.ofSeconds(120), () -> cluster.frontDoor().healthy(HOME)
            && "NORMAL".equals(row(ops).getFailoverState()));
        long drainErrorsBefore = load.errors.get();
        long drainRequestsBefore = load.total();
        ops.drain(HOME, "benchmark", "planned drain").join();
        waitFor(Duration.ofSeconds(180), () -> "DRAINED".equals(row(ops).getDrain()));
        ops.undrain(HOME, "benchmark", "planned undrain").join();
        waitFor(Duration.ofSeconds(600), () -> "NORMAL".equals(row(ops).getFailoverState())
            && row(ops).getTrafficDial() == 100 && row(ops).getDrain() == null);
        long drainErrors = load.errors.get() - drainErrorsBefore;
        long drainRequests = load.total() - drainRequestsBefore;
        System.out.println(report(shifts, drainErrors, drainRequests, load.firstError));
        assertThat(shifts).hasSize(FAILURES);
      }
    }
  }

  private static FailoverRowItem row(FailoverOperations ops) {
    return ops.status(HOME).join().row();
  }

  private static String report(List<Shift> shifts, long drainErrors, long drainRequests, String firstError) {
    double[] out = shifts.stream().mapToDouble(Shift::outOfRotationSeconds).sorted().toArray();
    double[] declared = shifts.stream().mapToDouble(Shift::failoverActiveSeconds).sorted().toArray();
    long errors = shifts.stream().mapToLong(Shift::errors).sum();
    long requests = shifts.stream().mapToLong(Shift::requests).sum();
    return String.format(Locale.ROOT, "%n%d injected failures of %s, health checks every 10 s, threshold 2, %d "
            + "client threads%n| measure | p50 s | p95 s | max s |%n|---|---|---|---|%n"
            + "| failure -> out of rotation (all traffic on survivors) | %.1f | %.1f | %.1f |%n"
            + "| failure -> FAILOVER_ACTIVE (two observers) | %.1f | %.1f | %.1f |%n%n"
            + "client errors from failure to out of rotation: %d of %d requests (%.3f%%)%n"
            + "planned drain + undrain: %d errors of %d requests%nfirst error seen: %s%n",
        shifts.size(), HOME, THREADS, pct(out, 50), pct(out, 95), out[out.length - 1], pct(declared, 50),
        pct(declared, 95), declared[declared.length - 1], errors, requests, 100.0 * errors / Math.max(1, requests),
        drainErrors, drainRequests, firstError);
  }

  private static double pct(double[] sorted, double p) {
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
  }

  private static void waitFor(Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeout);
      }
      Thread.sleep(100);
    }
  }
}
