package io.mrgc.failover.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.state.items.MetricItem;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegionalHealthTest {
  static final Instant NOW = Instant.parse("2026-01-05T10:00:00Z");
  final RegionalHealth health = new RegionalHealth(HealthThresholds.defaults());

  static GpuInstanceItem instance(String id, String state, Duration heartbeatAge) {
    GpuInstanceItem item = new GpuInstanceItem();
    item.setRegion("r");
    item.setInstanceId(id);
    item.setState(state);
    item.setHeartbeatAtMillis(NOW.minus(heartbeatAge).toEpochMilli());
    return item;
  }

  static MetricItem window(String router, Duration endedAgo, long requests, long errors, double p99) {
    MetricItem m = new MetricItem();
    m.setSeries("router#r#" + router);
    m.setRegion("r");
    m.setWindowMillis(10_000);
    m.setWindowStartMillis(NOW.minus(endedAgo).toEpochMilli() - 10_000);
    m.setRequests(requests);
    m.setErrors(errors);
    m.setLatencyP99Ms(p99);
    return m;
  }

  static List<GpuInstanceItem> ready(int n) {
    List<GpuInstanceItem> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(instance("i-" + i, "READY", Duration.ofSeconds(1)));
    }
    return out;
  }

  static List<MetricItem> traffic(long requests, long errors, double p99) {
    return List.of(window("a", Duration.ofSeconds(2), requests, errors, p99));
  }

  static final ProbeResult SERVING = ProbeResult.serving("r", 3, Duration.ofMillis(20));

  HealthSignal judge(List<GpuInstanceItem> instances, List<MetricItem> metrics, ProbeResult probe) {
    return health.evaluate(new HealthInputs("r", NOW, instances, metrics, probe));
  }

  @Test
  void healthyWithEnoughInstancesFewErrorsAndAServingProbe() {
    HealthSignal s = judge(ready(3), traffic(400, 2, 150), SERVING);
    assertThat(s.verdict()).isEqualTo(Verdict.HEALTHY);
    assertThat(s.reasons()).isEmpty();
    assertThat(s.servingInstances()).isEqualTo(3);
    assertThat(s.errorRate()).isEqualTo(0.005);
    assertThat(s.p99Millis()).isEqualTo(150);
  }

  @Test
  void fewerServingInstancesThanTheMinimumIsImpairedAndNoneIsFailed() {
    assertThat(judge(ready(1), traffic(400, 0, 100), SERVING))
        .satisfies(s -> assertThat(s.verdict()).isEqualTo(Verdict.IMPAIRED))
        .satisfies(s -> assertThat(s.reasons()).containsExactly("1 serving instance (min 2)"));
    assertThat(judge(List.of(), traffic(400, 0, 100), SERVING))
        .satisfies(s -> assertThat(s.verdict()).isEqualTo(Verdict.FAILED))
        .satisfies(s -> assertThat(s.reasons())
            .containsExactly("no serving instance with a heartbeat in the last 15 s (0 rows)"));
  }

  @Test
  void staleHeartbeatsAndNonServingStatesDoNotCount() {
    List<GpuInstanceItem> rows = List.of(
        instance("dead", "READY", Duration.ofSeconds(16)),
        instance("starting", "STARTING", Duration.ofSeconds(1)),
        instance("draining", "DRAINING", Duration.ofSeconds(1)),
        instance("quarantined", "QUARANTINED", Duration.ofSeconds(1)),
        instance("busy", "BUSY", Duration.ofSeconds(1)),
        instance("washing", "WASHING", Duration.ofSeconds(1)));
    HealthSignal s = judge(rows, traffic(400, 0, 100), SERVING);
    assertThat(s.servingInstances()).isEqualTo(2);
    assertThat(s.verdict()).isEqualTo(Verdict.HEALTHY);
  }

  @Test
  void errorRateAboveTheThresholdsImpairsThenFails() {
    assertThat(judge(ready(3), traffic(400, 20, 100), SERVING).reasons())
        .containsExactly("error rate 5.0 % over 400 requests (impaired at 5 %)");
    assertThat(judge(ready(3), traffic(400, 20, 100), SERVING).verdict()).isEqualTo(Verdict.IMPAIRED);
    HealthSignal failed = judge(ready(3), traffic(400, 250, 100), SERVING);
    assertThat(failed.verdict()).isEqualTo(Verdict.FAILED);
    assertThat(failed.reasons()).containsExactly("error rate 62.5 % over 400 requests (failed at 50 %)");
  }

  @Test
  void fewRequestsAreNotJudged() {
    HealthSignal s = judge(ready(3), traffic(19, 19, 9000), SERVING);
    assertThat(s.verdict()).isEqualTo(Verdict.HEALTHY);
    assertThat(s.errorRate()).isNull();
    assertThat(s.p99Millis()).isNull();
  }

  @Test
  void errorsAreSummedOverEveryRouterAndOnlyRecentWindowsCount() {
    List<MetricItem> windows = List.of(
        window("a", Duration.ofSeconds(1), 100, 0, 100),
        window("b", Duration.ofSeconds(11), 100, 20, 100),
        window("c", Duration.ofSeconds(31), 1000, 1000, 100)); // ended before the 30 s window
    HealthSignal s = judge(ready(3), windows, SERVING);
    assertThat(s.requests()).isEqualTo(200);
    assertThat(s.errorRate()).isEqualTo(0.1);
    assertThat(s.verdict()).isEqualTo(Verdict.IMPAIRED);
  }

  @Test
  void slowRoutersImpair() {
    HealthSignal s = judge(ready(3), traffic(400, 0, 2500), SERVING);
    assertThat(s.verdict()).isEqualTo(Verdict.IMPAIRED);
    assertThat(s.reasons()).containsExactly("router p99 2500 ms (max 2000 ms)");
  }

  @Test
  void missingMetricsAreOnlyANote() {
    HealthSignal s = judge(ready(3), List.of(), SERVING);
    assertThat(s.verdict()).isEqualTo(Verdict.HEALTHY);
    assertThat(s.reasons()).containsExactly("note: no router metrics in the last 30 s");
  }

  @Test
  void theProbeIsTheOutsideView() {
    assertThat(judge(ready(3), traffic(400, 0, 100),
        ProbeResult.unreachable("r", Duration.ofSeconds(5), "ConnectException: refused")))
        .satisfies(s -> assertThat(s.verdict()).isEqualTo(Verdict.FAILED))
        .satisfies(s -> assertThat(s.reasons()).containsExactly("probe unreachable: ConnectException: refused"));
    ProbeResult notServing = new ProbeResult("r", ProbeResult.Outcome.NOT_SERVING, 503, 0, "NORMAL",
        Duration.ofMillis(5), "HTTP 503, routable 0, NORMAL");
    assertThat(judge(ready(3), traffic(400, 0, 100), notServing).verdict()).isEqualTo(Verdict.FAILED);
    ProbeResult slow = ProbeResult.serving("r", 3, Duration.ofMillis(1500));
    assertThat(judge(ready(3), traffic(400, 0, 100), slow))
        .satisfies(s -> assertThat(s.verdict()).isEqualTo(Verdict.IMPAIRED))
        .satisfies(s -> assertThat(s.reasons()).containsExactly("probe slow: 1500 ms (max 1000 ms)"));
  }

  @Test
  void anEvacuatedRegionWithRoutableInstancesIsHealthySoItCanBeSeenToRecover() {
    ProbeResult evacuated = new ProbeResult("r", ProbeResult.Outcome.EVACUATED, 503, 3, "FAILOVER_ACTIVE",
        Duration.ofMillis(5), "HTTP 503, routable 3, FAILOVER_ACTIVE");
    assertThat(judge(ready(3), traffic(400, 0, 100), evacuated).verdict()).isEqualTo(Verdict.HEALTHY);
  }

  @Test
  void theWorstSignalWinsAndEveryReasonIsKept() {
    HealthSignal s = judge(ready(1), traffic(400, 30, 2500),
        ProbeResult.unreachable("r", Duration.ofSeconds(1), "timeout"));
    assertThat(s.verdict()).isEqualTo(Verdict.FAILED);
    assertThat(s.reasons()).hasSize(4);
  }

  @Test
  void thresholdsAreValidatedWithExactMessages() {
    HealthThresholds d = HealthThresholds.defaults();
    assertThatThrownBy(() -> d.withMinServingInstances(0))
        .hasMessage("minServingInstances must be between 1 and 100, but was 0");
    assertThatThrownBy(() -> new HealthThresholds(2, d.heartbeatStaleAfter(), d.metricsWindow(), 20, 0.5, 0.5,
        d.maxP99Latency(), d.slowProbe()))
        .hasMessage("error rates must satisfy 0 < impairedErrorRate < failedErrorRate <= 1, but were 0.5 and 0.5");
    assertThatThrownBy(() -> new HealthThresholds(2, Duration.ZERO, d.metricsWindow(), 20, 0.05, 0.5,
        d.maxP99Latency(), d.slowProbe()))
        .hasMessage("heartbeatStaleAfter must be a positive duration, but was PT0S");
  }
}
