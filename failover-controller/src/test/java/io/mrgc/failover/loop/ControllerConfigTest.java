package io.mrgc.failover.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControllerConfigTest {
  static final List<String> REGIONS = List.of("us-east-1", "us-east-2", "us-west-2");
  final ControllerConfig d = ControllerConfig.defaults("us-east-1", "ctl", REGIONS);

  ControllerConfig with(Duration period, Duration ttl, Duration freshness, int quorum) {
    return new ControllerConfig("us-east-1", "ctl", REGIONS, period, ttl, freshness, quorum, false, 100,
        Duration.ofSeconds(1));
  }

  @Test
  void defaultsDecideForTheOtherRegionsWithAQuorumOfTwo() {
    assertThat(d.decidedRegions()).containsExactly("us-east-2", "us-west-2");
    assertThat(d.withLeadsOwnRegion(true).decidedRegions()).containsExactlyElementsOf(REGIONS);
    assertThat(d.observerQuorum()).isEqualTo(2);
    assertThat(ControllerConfig.defaults("solo", "ctl", List.of("solo")).observerQuorum()).isEqualTo(1);
  }

  @Test
  void isValidatedWithExactMessages() {
    assertThatThrownBy(() -> with(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(15), 2))
        .hasMessage("leaseTtl must exceed evaluationPeriod, but was PT5S <= PT5S");
    assertThatThrownBy(() -> with(Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(4), 2))
        .hasMessage("observationFreshness must be at least evaluationPeriod, but was PT4S < PT5S");
    assertThatThrownBy(() -> with(Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(15), 4))
        .hasMessage("observerQuorum must be between 1 and 3, but was 4");
    assertThatThrownBy(() -> ControllerConfig.defaults("eu-west-1", "ctl", REGIONS))
        .hasMessage("regions must contain region eu-west-1, but were " + REGIONS);
    assertThatThrownBy(() -> ControllerConfig.defaults("us-east-1", " ", REGIONS))
        .hasMessage("controllerId must not be blank");
  }
}
