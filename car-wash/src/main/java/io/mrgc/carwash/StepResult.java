package io.mrgc.carwash;

import java.util.Objects;

/** What a step says about itself: PASSED or FAILED, and a short detail (never payload bytes). */
public record StepResult(Outcome outcome, String detail) {
  public enum Outcome { PASSED, FAILED }

  public StepResult {
    Objects.requireNonNull(outcome, "outcome");
    detail = detail == null ? "" : detail;
  }

  public static StepResult passed(String detail) {
    return new StepResult(Outcome.PASSED, detail);
  }

  public static StepResult failed(String detail) {
    return new StepResult(Outcome.FAILED, detail);
  }

  public boolean isPassed() {
    return outcome == Outcome.PASSED;
  }
}
