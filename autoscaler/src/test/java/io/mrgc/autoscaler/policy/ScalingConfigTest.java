package io.mrgc.autoscaler.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScalingConfigTest {
  static final ScalingConfig D = ScalingConfig.defaults();

  static ScalingConfig with(int target, double fraction, int min, int max, Duration up, Duration smoothing) {
    return new ScalingConfig(target, up, fraction, D.scaleDownAfter(), D.scaleDownCooldown(), min, max,
        D.metricsStaleAfter(), smoothing);
  }

  @Test
  void defaultsAreTheDesignsNumbers() {
    assertThat(D.targetRpsPerInstance()).isEqualTo(12);
    assertThat(D.scaleUpAfter()).isEqualTo(Duration.ofMinutes(2));
    assertThat(D.scaleDownBelowFraction()).isEqualTo(0.5);
    assertThat(D.scaleDownAfter()).isEqualTo(Duration.ofMinutes(10));
    assertThat(D.scaleDownCooldown()).isEqualTo(Duration.ofMinutes(5));
    assertThat(D.minInstances()).isEqualTo(2);
    assertThat(D.maxInstances()).isEqualTo(20);
    assertThat(D.metricsStaleAfter()).isEqualTo(Duration.ofSeconds(60));
    assertThat(D.smoothing()).isEqualTo(Duration.ofSeconds(60));
  }

  @ParameterizedTest
  @ValueSource(ints = {9, 16, 0})
  void targetMustBeBetween10And15(int target) {
    assertThatThrownBy(() -> D.withTargetRpsPerInstance(target))
        .hasMessage("targetRpsPerInstance must be between 10 and 15, but was " + target);
  }

  @Test
  void exactMessages() {
    Duration two = Duration.ofMinutes(2);
    Duration one = Duration.ofMinutes(1);
    assertThatThrownBy(() -> with(12, 1.0, 2, 20, two, one))
        .hasMessage("scaleDownBelowFraction must be greater than 0 and less than 1, but was 1.0");
    assertThatThrownBy(() -> with(12, 0.5, 0, 20, two, one))
        .hasMessage("minInstances must be between 1 and 100, but was 0");
    assertThatThrownBy(() -> with(12, 0.5, 2, 101, two, one))
        .hasMessage("maxInstances must be between 1 and 100, but was 101");
    assertThatThrownBy(() -> with(12, 0.5, 5, 4, two, one))
        .hasMessage("minInstances must not exceed maxInstances, but was 5 > 4");
    assertThatThrownBy(() -> with(12, 0.5, 2, 20, Duration.ZERO, one))
        .hasMessage("scaleUpAfter must be a positive duration, but was PT0S");
    assertThatThrownBy(() -> with(12, 0.5, 2, 20, two, Duration.ofMinutes(3)))
        .hasMessage("smoothing must not exceed scaleUpAfter, but was PT3M > PT2M");
    assertThat(with(15, 0.5, 1, 1, two, one).maxInstances()).isEqualTo(1);
  }
}
