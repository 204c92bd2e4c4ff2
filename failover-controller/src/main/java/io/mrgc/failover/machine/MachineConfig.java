package io.mrgc.failover.machine;

import io.mrgc.common.Check;
import java.time.Duration;
import java.util.List;

/**
 * Thresholds and hold times of the failover state machine, validated with exact messages. Every hold is both a
 * number of consecutive evaluations and a duration ({@link Hold}); defaults assume an evaluation every 5 s.
 *
 * @param degradeAfter IMPAIRED-or-worse this long: NORMAL -> DEGRADED (default 2 evaluations, 5 s)
 * @param failAfter FAILED (by the quorum) this long: DEGRADED or RECOVERING -> FAILOVER_ACTIVE (default 3, 10 s)
 * @param clearAfter HEALTHY this long: DEGRADED -> NORMAL (default 6, 30 s); never shorter than degradeAfter, so a
 *     signal wobbling around a threshold enters DEGRADED at most once and does not flap back and forth
 * @param recoverAfter HEALTHY this long: FAILOVER_ACTIVE -> RECOVERING (default 12, 60 s; ARC-style wait period,
 *     since GA sends traffic back about 30 s after the health check passes)
 * @param rampHold HEALTHY this long, and this long since the last dial step, before the next ramp step and before
 *     RECOVERING at 100 becomes NORMAL (default 3, 60 s)
 * @param rampSteps RECOVERING dial steps, ascending, ending at 100 (default 10, 50, 100)
 * @param drainSteps planned drain dial steps, descending, ending at 0 (default 75, 50, 25, 0)
 * @param drainHold time between two drain steps, counted from the last change of the row (default 30 s: 100 -> 0
 *     in 2 minutes)
 * @param relapseMemory relapses (RECOVERING -> FAILOVER_ACTIVE) within this window each double recoverAfter, up to
 *     {@link #MAX_RECOVER_FACTOR} times (default 1 h): an evacuated region has no traffic to fail on, so a region that
 *     breaks under load would otherwise come back and relapse every few minutes
 */
public record MachineConfig(
    Hold degradeAfter,
    Hold failAfter,
    Hold clearAfter,
    Hold recoverAfter,
    Hold rampHold,
    List<Integer> rampSteps,
    List<Integer> drainSteps,
    Duration drainHold,
    Duration relapseMemory) {

  /** The longest recoverAfter after relapses: 8 times the configured one. */
  public static final int MAX_RECOVER_FACTOR = 8;

  public MachineConfig {
    Check.notNull("degradeAfter", degradeAfter);
    Check.notNull("failAfter", failAfter);
    Check.notNull("clearAfter", clearAfter);
    Check.notNull("recoverAfter", recoverAfter);
    Check.notNull("rampHold", rampHold);
    Check.positive("drainHold", drainHold);
    Check.positive("relapseMemory", relapseMemory);
    rampSteps = List.copyOf(Check.notNull("rampSteps", rampSteps));
    drainSteps = List.copyOf(Check.notNull("drainSteps", drainSteps));
    if (rampSteps.isEmpty() || rampSteps.get(rampSteps.size() - 1) != 100 || !strictly(rampSteps, true)
        || rampSteps.get(0) < 1) {
      throw new IllegalArgumentException(
          "rampSteps must ascend strictly from at least 1 and end at 100, but were " + rampSteps);
    }
    if (drainSteps.isEmpty() || drainSteps.get(drainSteps.size() - 1) != 0 || !strictly(drainSteps, false)
        || drainSteps.get(0) > 99) {
      throw new IllegalArgumentException(
          "drainSteps must descend strictly from at most 99 and end at 0, but were " + drainSteps);
    }
    if (clearAfter.duration().compareTo(degradeAfter.duration()) < 0
        || clearAfter.evaluations() < degradeAfter.evaluations()) {
      throw new IllegalArgumentException("clearAfter must not be shorter than degradeAfter, but was " + clearAfter
          + " < " + degradeAfter);
    }
  }

  public static MachineConfig defaults() {
    return new MachineConfig(
        Hold.of(2, Duration.ofSeconds(5)),
        Hold.of(3, Duration.ofSeconds(10)),
        Hold.of(6, Duration.ofSeconds(30)),
        Hold.of(12, Duration.ofSeconds(60)),
        Hold.of(3, Duration.ofSeconds(60)),
        List.of(10, 50, 100),
        List.of(75, 50, 25, 0),
        Duration.ofSeconds(30),
        Duration.ofHours(1));
  }

  /** recoverAfter after {@code recentRelapses} relapses: doubled for each, at most {@link #MAX_RECOVER_FACTOR} times. */
  public Hold recoverAfter(int recentRelapses) {
    int factor = Math.min(MAX_RECOVER_FACTOR, 1 << Math.min(30, Math.max(0, recentRelapses)));
    return Hold.of(recoverAfter.evaluations() * factor, recoverAfter.duration().multipliedBy(factor));
  }

  public int firstRampStep() {
    return rampSteps.get(0);
  }

  /** The ramp step after {@code dial} (100 when none is above it). */
  public int nextRampStep(int dial) {
    return rampSteps.stream().filter(step -> step > dial).findFirst().orElse(100);
  }

  /** The drain step below {@code dial} (0 when none is below it). */
  public int nextDrainStep(int dial) {
    return drainSteps.stream().filter(step -> step < dial).findFirst().orElse(0);
  }

  private static boolean strictly(List<Integer> steps, boolean ascending) {
    for (int i = 0; i < steps.size(); i++) {
      int step = Check.notNull("step", steps.get(i));
      if (step < 0 || step > 100) {
        return false;
      }
      if (i > 0 && (ascending ? step <= steps.get(i - 1) : step >= steps.get(i - 1))) {
        return false;
      }
    }
    return true;
  }
}
