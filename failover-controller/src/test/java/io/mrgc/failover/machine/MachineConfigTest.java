package io.mrgc.failover.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MachineConfigTest {
  final MachineConfig d = MachineConfig.defaults();

  MachineConfig with(List<Integer> ramp, List<Integer> drain, Hold clear) {
    return new MachineConfig(d.degradeAfter(), d.failAfter(), clear, d.recoverAfter(), d.rampHold(), ramp, drain,
        d.drainHold(), d.relapseMemory());
  }

  @Test
  void stepsAreValidatedWithExactMessages() {
    assertThatThrownBy(() -> with(List.of(10, 50), d.drainSteps(), d.clearAfter()))
        .hasMessage("rampSteps must ascend strictly from at least 1 and end at 100, but were [10, 50]");
    assertThatThrownBy(() -> with(List.of(50, 10, 100), d.drainSteps(), d.clearAfter()))
        .hasMessage("rampSteps must ascend strictly from at least 1 and end at 100, but were [50, 10, 100]");
    assertThatThrownBy(() -> with(d.rampSteps(), List.of(100, 0), d.clearAfter()))
        .hasMessage("drainSteps must descend strictly from at most 99 and end at 0, but were [100, 0]");
    assertThatThrownBy(() -> with(d.rampSteps(), List.of(50, 25), d.clearAfter()))
        .hasMessage("drainSteps must descend strictly from at most 99 and end at 0, but were [50, 25]");
  }

  @Test
  void clearingMayNotBeFasterThanDegrading() {
    assertThatThrownBy(() -> with(d.rampSteps(), d.drainSteps(), Hold.of(1, Duration.ofSeconds(1))))
        .hasMessage("clearAfter must not be shorter than degradeAfter, but was 1 s and 1 evaluation < 5 s and 2 "
            + "evaluations");
  }

  @Test
  void holdsAreValidated() {
    assertThatThrownBy(() -> Hold.of(0, Duration.ofSeconds(1)))
        .hasMessage("evaluations must be between 1 and 10000, but was 0");
    assertThatThrownBy(() -> Hold.of(1, Duration.ZERO)).hasMessage("duration must be a positive duration, but was PT0S");
  }

  @Test
  void eachRecentRelapseDoublesTheRecoverHoldUpToEightTimes() {
    assertThat(d.recoverAfter(0)).isEqualTo(Hold.of(12, Duration.ofSeconds(60)));
    assertThat(d.recoverAfter(1)).isEqualTo(Hold.of(24, Duration.ofSeconds(120)));
    assertThat(d.recoverAfter(3)).isEqualTo(Hold.of(96, Duration.ofSeconds(480)));
    assertThat(d.recoverAfter(50)).isEqualTo(Hold.of(96, Duration.ofSeconds(480)));
  }

  @Test
  void stepsAfterAndBelow() {
    assertThat(d.nextRampStep(10)).isEqualTo(50);
    assertThat(d.nextRampStep(50)).isEqualTo(100);
    assertThat(d.nextRampStep(75)).isEqualTo(100);
    assertThat(d.nextDrainStep(100)).isEqualTo(75);
    assertThat(d.nextDrainStep(60)).isEqualTo(50);
    assertThat(d.nextDrainStep(25)).isEqualTo(0);
  }
}
