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
import io.mrgc.tenant.RetryPolicy;
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
 * health checks took it out, of two loads side by side: the SDK with its default retries, and the baseline with
 * retries off. Between failures the region is restarted and an SRE forces it NORMAL (the measured part
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

  /** Errors and requests of one load so far; {@link #since} gives those of a window. */
  private record Tally(long errors, long requests) {
    static Tally of(SteadyLoad load) {
      return new Tally(load.errors.get(), load.total());
    }

    Tally since(Tally before) {
      return new Tally(errors - before.errors, requests - before.requests);
    }

    static Tally sum(List<Tally> tallies) {
      return new Tally(tallies.stream().mapToLong(Tally::errors).sum(), tallies.stream().mapToLong(Tally::requests)
          .sum());
    }

    String describe() {
      return String.format(Locale.ROOT, "%d of %d requests (%.3f%%)", errors, requests,
          100.0 * errors / Math.max(1, requests));
    }
  }

  /** One injected failure: its times, and the errors of the retrying SDK and of the baseline without retries. */
  private record Shift(double outOfRotationSeconds, double failoverActiveSeconds, Tally retrying, Tally baseline) {}

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
      // Two loads side by side: the SDK as tenants get it (retries on) and, as the baseline, with retries off.
      MrgcClient.Builder builder = MrgcClient.builder().endpoint(anycast).tenant(tenant.tenantId())
          .apiKey(tenant.apiKey()).kmsKeyId(tenant.kmsKeyId()).dataKeySource(cluster.tenantKeySource());
      try (MrgcClient sdk = builder.build();
          MrgcClient noRetries = builder.retries(RetryPolicy.none()).build();
          SteadyLoad load = new SteadyLoad(sdk, MODEL, THREADS);
          SteadyLoad baseline = new SteadyLoad(noRetries, MODEL, THREADS)) {
        List<Shift> shifts = new ArrayList<>();
        for (int i = 0; i < FAILURES; i++) {
          waitFor(Duration.ofSeconds(120), () -> cluster.frontDoor().healthy(HOME)
              && "NORMAL".equals(row(ops).getFailoverState()) && row(ops).getTrafficDial() == 100);
          Thread.sleep(2_000);
          Tally before = Tally.of(load);
          Tally baselineBefore = Tally.of(baseline);
          long stopped = System.nanoTime();
          cluster.stopRegion(HOME);
          // Both watched in one loop: either may come first, and each is timed when first seen.
          long outOfRotation = 0;
          long declared = 0;
          Tally errors = null;
          Tally baselineErrors = null;
          long deadline = stopped + Duration.ofSeconds(120).toNanos();
          while (outOfRotation == 0 || declared == 0) {
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException("failure " + (i + 1) + ": timed out after 120 s");
            }
            if (outOfRotation == 0 && !cluster.frontDoor().healthy(HOME)) {
              outOfRotation = System.nanoTime();
              errors = Tally.of(load).since(before);
              baselineErrors = Tally.of(baseline).since(baselineBefore);
            }
            if (declared == 0 && "FAILOVER_ACTIVE".equals(row(ops).getFailoverState())) {
              declared = System.nanoTime();
            }
            Thread.sleep(100);
          }
          shifts.add(new Shift((outOfRotation - stopped) / 1e9, (declared - stopped) / 1e9, errors, baselineErrors));
          System.out.printf(Locale.ROOT, "failure %d: out of rotation %.1f s, FAILOVER_ACTIVE %.1f s, errors: %s "
              + "with retries, %s without%n", i + 1, (outOfRotation - stopped) / 1e9, (declared - stopped) / 1e9,
              errors.describe(), baselineErrors.describe());
          cluster.startRegion(HOME);
          ops.force(HOME, FailoverState.NORMAL, "benchmark", "next injected failure").join();
        }

        waitFor(Duration.ofSeconds(120), () -> cluster.frontDoor().healthy(HOME)
            && "NORMAL".equals(row(ops).getFailoverState()));
        Tally drainBefore = Tally.of(load);
        Tally drainBaselineBefore = Tally.of(baseline);
        ops.drain(HOME, "benchmark", "planned drain").join();
        waitFor(Duration.ofSeconds(180), () -> "DRAINED".equals(row(ops).getDrain()));
        ops.undrain(HOME, "benchmark", "planned undrain").join();
        waitFor(Duration.ofSeconds(600), () -> "NORMAL".equals(row(ops).getFailoverState())
            && row(ops).getTrafficDial() == 100 && row(ops).getDrain() == null);
        System.out.println(report(shifts, Tally.of(load).since(drainBefore),
            Tally.of(baseline).since(drainBaselineBefore), load.firstError, baseline.firstError));
        assertThat(shifts).hasSize(FAILURES);
      }
    }
  }

  private static FailoverRowItem row(FailoverOperations ops) {
    return ops.status(HOME).join().row();
  }

  private static String report(List<Shift> shifts, Tally drain, Tally drainBaseline, String firstError,
      String firstBaselineError) {
    double[] out = shifts.stream().mapToDouble(Shift::outOfRotationSeconds).sorted().toArray();
    double[] declared = shifts.stream().mapToDouble(Shift::failoverActiveSeconds).sorted().toArray();
    return String.format(Locale.ROOT, "%n%d injected failures of %s, health checks every 10 s, threshold 2, %d "
            + "client threads with retries and %d without%n| measure | p50 s | p95 s | max s |%n|---|---|---|---|%n"
            + "| failure -> out of rotation (all traffic on survivors) | %.1f | %.1f | %.1f |%n"
            + "| failure -> FAILOVER_ACTIVE (two observers) | %.1f | %.1f | %.1f |%n%n"
            + "client errors from failure to out of rotation: %s with retries (SDK defaults), %s without%n"
            + "planned drain + undrain: %s with retries, %s without%n"
            + "first error seen: with retries %s; without %s%n",
        shifts.size(), HOME, THREADS, THREADS, pct(out, 50), pct(out, 95), out[out.length - 1], pct(declared, 50),
        pct(declared, 95), declared[declared.length - 1],
        Tally.sum(shifts.stream().map(Shift::retrying).toList()).describe(),
        Tally.sum(shifts.stream().map(Shift::baseline).toList()).describe(), drain.describe(),
        drainBaseline.describe(), firstError, firstBaselineError);
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
