package io.mrgc.autoscaler.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.autoscaler.policy.ScalingConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A short replay (one day) proving the simulation runs; the full week is TraceReplayBenchmark. */
class TraceReplayTest {
  @Test
  void oneDayReplayComparesThePolicies() {
    Trace trace = Trace.week(Duration.ofDays(1), Duration.ofSeconds(10), 7L);
    assertThat(trace.size()).isEqualTo(8640);
    assertThat(Trace.week(Duration.ofDays(1), Duration.ofSeconds(10), 7L).rps(1234)).isEqualTo(trace.rps(1234));
    TraceReplay replay = new TraceReplay(trace, Duration.ofMinutes(5), 15);
    List<SimResult> results = replay.compare(ScalingConfig.defaults(), ScalingConfig.defaults(), Duration.ofMinutes(5));
    SimResult stat = results.get(0);
    SimResult ours = results.get(2);
    assertThat(stat.peakInstances()).isEqualTo((int) Math.ceil(trace.peak() / 15));
    assertThat(stat.minutesUnderCapacity()).isZero();
    assertThat(stat.minutes()).isEqualTo(1440);
    assertThat(ours.gpuHours()).isLessThan(0.8 * stat.gpuHours());
    assertThat(ours.scaleActions()).isPositive();
    assertThat(ours.underCapacityPercent()).isLessThan(5);
    assertThat(replay.run("again", new io.mrgc.autoscaler.policy.ScalingPolicy(ScalingConfig.defaults())).gpuHours())
        .isEqualTo(ours.gpuHours());
  }
}
