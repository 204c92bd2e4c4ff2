package io.mrgc.autoscaler.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.autoscaler.policy.ScalingConfig;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The benchmark (not a test; excluded by default): one week at 10 s resolution, 5-minute cold start, 15 RPS per
 * instance at the SLO. Run with
 * {@code mvn -B -o -q -pl autoscaler test -Dgroups=benchmark -DexcludedGroups=none -Dtest=TraceReplayBenchmark}.
 * The table goes to standard output (and, with redirectTestOutputToFile, to
 * autoscaler/target/surefire-reports/io.mrgc.autoscaler.sim.TraceReplayBenchmark-output.txt).
 */
@Tag("benchmark")
class TraceReplayBenchmark {
  static final long SEED = 20250106L;

  @Test
  void oneWeek() {
    Trace trace = Trace.week(Duration.ofDays(7), Duration.ofSeconds(10), SEED);
    TraceReplay replay = new TraceReplay(trace, Duration.ofMinutes(5), 15);
    ScalingConfig config = ScalingConfig.defaults();
    long started = System.nanoTime();
    List<SimResult> results = replay.compare(config, config, Duration.ofMinutes(5));
    long ms = (System.nanoTime() - started) / 1_000_000;
    double staticHours = results.get(0).gpuHours();
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT,
        "trace: 7 days at 10 s (%d samples), seed %d, mean %.1f RPS, peak %.1f RPS; cold start 5 min; "
            + "capacity 15 RPS per instance; replayed in %d ms%n",
        trace.size(), SEED, trace.mean(), trace.peak(), ms));
    out.append(SimResult.header()).append('\n');
    for (SimResult r : results) {
      out.append(r.row(staticHours)).append('\n');
    }
    SimResult ours = results.get(2);
    out.append(String.format(Locale.ROOT, "goal (ours <= 60 %% of static GPU-hours, <= 1 %% minutes under): %s%n",
        ours.gpuHours() <= 0.6 * staticHours && ours.underCapacityPercent() <= 1.0 ? "MET" : "MISSED"));
    System.out.print(out);
    assertThat(results).hasSize(3);
  }
}
