package io.mrgc.router.pick;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ScoringTest {
  @Test
  void queueTermIsFullAtZeroAndZeroAtSaturation() {
    assertThat(Scoring.queueTerm(0)).isEqualTo(100.0);
    assertThat(Scoring.queueTerm(Scoring.QUEUE_SATURATION_DEPTH / 2.0)).isCloseTo(50.0, within(1e-9));
    assertThat(Scoring.queueTerm(Scoring.QUEUE_SATURATION_DEPTH)).isEqualTo(0.0);
    assertThat(Scoring.queueTerm(Scoring.QUEUE_SATURATION_DEPTH * 3)).isEqualTo(0.0);
    assertThat(Scoring.queueTerm(-4)).isEqualTo(100.0);
  }

  @Test
  void queueTermUsesFixedStepsNotMinMax() {
    // 0 vs 1 is a small difference on the absolute scale, not "best vs worst" as min-max would make it.
    assertThat(Scoring.queueTerm(0) - Scoring.queueTerm(1)).isCloseTo(100.0 / Scoring.QUEUE_SATURATION_DEPTH,
        within(1e-9));
  }

  @Test
  void latencyTermIsFullUpToGoodAndZeroFromBad() {
    assertThat(Scoring.latencyTerm(0)).isEqualTo(100.0);
    assertThat(Scoring.latencyTerm(Scoring.LATENCY_GOOD_MS)).isEqualTo(100.0);
    double middle = (Scoring.LATENCY_GOOD_MS + Scoring.LATENCY_BAD_MS) / 2;
    assertThat(Scoring.latencyTerm(middle)).isCloseTo(50.0, within(1e-9));
    assertThat(Scoring.latencyTerm(Scoring.LATENCY_BAD_MS)).isEqualTo(0.0);
    assertThat(Scoring.latencyTerm(Scoring.LATENCY_BAD_MS * 10)).isEqualTo(0.0);
  }

  @Test
  void healthTermIsReportedHealthClamped() {
    assertThat(Scoring.healthTerm(0)).isEqualTo(0.0);
    assertThat(Scoring.healthTerm(73)).isEqualTo(73.0);
    assertThat(Scoring.healthTerm(100)).isEqualTo(100.0);
    assertThat(Scoring.healthTerm(250)).isEqualTo(100.0);
    assertThat(Scoring.healthTerm(-5)).isEqualTo(0.0);
  }

  @Test
  void scoreWeighsQueueLatencyHealth50_30_20() {
    assertThat(Scoring.score(0, 0, 100)).isCloseTo(100.0, within(1e-9));
    assertThat(Scoring.score(Scoring.QUEUE_SATURATION_DEPTH, Scoring.LATENCY_BAD_MS, 0)).isEqualTo(0.0);
    assertThat(Scoring.score(Scoring.QUEUE_SATURATION_DEPTH, 0, 0)).isCloseTo(30.0, within(1e-9));
    assertThat(Scoring.score(0, Scoring.LATENCY_BAD_MS, 0)).isCloseTo(50.0, within(1e-9));
    assertThat(Scoring.score(Scoring.QUEUE_SATURATION_DEPTH, Scoring.LATENCY_BAD_MS, 100))
        .isCloseTo(20.0, within(1e-9));
  }
}
