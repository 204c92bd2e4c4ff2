package io.mrgc.carwash;

import java.util.List;

/**
 * One wash: the request it followed, each step in order, the total duration and the outcome. PASSED only if every
 * step passed; FAILED if a step failed; TIMED_OUT if the wash's time limit passed. Anything but PASSED quarantines
 * the instance.
 */
public record WashReport(String requestId, long sequence, long startedAtMillis, long completedAtMillis,
                         List<StepReport> steps, long totalNanos, Outcome outcome) {
  public enum Outcome { PASSED, FAILED, TIMED_OUT }

  public WashReport {
    steps = List.copyOf(steps);
  }

  public boolean isPassed() {
    return outcome == Outcome.PASSED;
  }

  public long totalMicros() {
    return totalNanos / 1_000;
  }

  /** The first step that did not pass, or null. */
  public StepReport firstProblem() {
    return steps.stream()
        .filter(s -> s.outcome() == StepReport.Outcome.FAILED || s.outcome() == StepReport.Outcome.TIMED_OUT)
        .findFirst().orElse(null);
  }
}
