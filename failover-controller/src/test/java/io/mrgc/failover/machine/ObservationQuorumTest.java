package io.mrgc.failover.machine;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.failover.health.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The two-observer rule. */
class ObservationQuorumTest {
  static final Instant NOW = Instant.parse("2026-01-05T10:00:00Z");
  final ObservationQuorum quorum = new ObservationQuorum(2, Duration.ofSeconds(15));

  static Observation seen(String observerRegion, Verdict verdict, Duration ago, String... reasons) {
    return new Observation(observerRegion, "ctl-" + observerRegion, verdict, NOW.minus(ago), List.of(reasons));
  }

  @Test
  void oneObserverAloneCannotFailARegion() {
    Evaluation e = quorum.combine(List.of(
        seen("b", Verdict.FAILED, Duration.ofSeconds(1), "probe unreachable: timeout"),
        seen("c", Verdict.HEALTHY, Duration.ofSeconds(2)),
        seen("a", Verdict.HEALTHY, Duration.ofSeconds(2))), NOW);
    assertThat(e.verdict()).contains(Verdict.HEALTHY);
  }

  @Test
  void twoObserversThatAgreeCan() {
    Evaluation e = quorum.combine(List.of(
        seen("b", Verdict.FAILED, Duration.ofSeconds(1), "probe unreachable: timeout"),
        seen("c", Verdict.FAILED, Duration.ofSeconds(3), "no serving instance"),
        seen("a", Verdict.HEALTHY, Duration.ofSeconds(2))), NOW);
    assertThat(e.verdict()).contains(Verdict.FAILED);
    assertThat(e.summary()).isEqualTo("FAILED by 2 of 3 observers [b FAILED: probe unreachable: timeout; "
        + "c FAILED: no serving instance; a HEALTHY]");
  }

  @Test
  void theCombinedVerdictIsTheWorstThatTheQuorumAgreesOn() {
    Evaluation e = quorum.combine(List.of(
        seen("b", Verdict.FAILED, Duration.ofSeconds(1)),
        seen("c", Verdict.IMPAIRED, Duration.ofSeconds(1)),
        seen("a", Verdict.HEALTHY, Duration.ofSeconds(1))), NOW);
    assertThat(e.verdict()).contains(Verdict.IMPAIRED);
  }

  @Test
  void staleObservationsDoNotCountAndTooFewFreshOnesGiveNoVerdict() {
    Evaluation e = quorum.combine(List.of(
        seen("b", Verdict.FAILED, Duration.ofSeconds(1)),
        seen("c", Verdict.FAILED, Duration.ofSeconds(16))), NOW);
    assertThat(e.verdict()).isEqualTo(Optional.empty());
    assertThat(e.fresh()).isEqualTo(1);
    assertThat(e.summary()).startsWith("UNKNOWN: 1 fresh observer, need 2");
  }

  @Test
  void oneRegionCountsOnceWithItsNewestObservation() {
    Evaluation e = quorum.combine(List.of(
        seen("b", Verdict.FAILED, Duration.ofSeconds(1)),
        seen("b", Verdict.FAILED, Duration.ofSeconds(2)),
        seen("c", Verdict.HEALTHY, Duration.ofSeconds(1))), NOW);
    assertThat(e.verdict()).contains(Verdict.HEALTHY);
    assertThat(e.fresh()).isEqualTo(2);
  }
}
