package io.mrgc.carwash;

/**
 * One step as recorded: {@code outcome} is PASSED or FAILED as the step said, TIMED_OUT when the wash's deadline
 * passed while it ran, SKIPPED when an earlier step failed or timed out. {@code nanos} is its duration (0 when
 * skipped).
 */
public record StepReport(String name, long nanos, Outcome outcome, String detail) {
  public enum Outcome { PASSED, FAILED, TIMED_OUT, SKIPPED }

  public long micros() {
    return nanos / 1_000;
  }
}
