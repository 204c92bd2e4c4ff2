package io.mrgc.cluster;

import io.mrgc.failover.machine.Hold;
import io.mrgc.failover.machine.MachineConfig;
import java.time.Duration;
import java.util.List;

/**
 * The failover machine with holds of a few 1-second evaluations instead of the defaults' minutes, so a chaos test
 * sees a whole failover, drain or ramp in seconds: degrade and fail after 2, clear and recover after 3, ramp 10 -> 50
 * -> 100 and drain 50 -> 0 with 2 s holds.
 */
final class FastHolds {
  static final Duration EVALUATION_PERIOD = Duration.ofSeconds(1);

  private FastHolds() {}

  static MachineConfig machine() {
    return machine(List.of(50, 0));
  }

  static MachineConfig machine(List<Integer> drainSteps) {
    return new MachineConfig(hold(2), hold(2), hold(3), hold(3), hold(2), List.of(10, 50, 100), drainSteps,
        Duration.ofSeconds(2), Duration.ofHours(1));
  }

  /** Every 1 s with the local default health thresholds. */
  static FailoverOptions options() {
    return options(List.of(50, 0));
  }

  static FailoverOptions options(List<Integer> drainSteps) {
    return new FailoverOptions(EVALUATION_PERIOD, FailoverOptions.defaults().health(), machine(drainSteps));
  }

  private static Hold hold(int seconds) {
    return Hold.of(seconds, Duration.ofSeconds(seconds));
  }
}
