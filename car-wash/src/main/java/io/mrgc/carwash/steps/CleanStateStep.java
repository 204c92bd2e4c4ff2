package io.mrgc.carwash.steps;

import io.mrgc.carwash.StepResult;
import io.mrgc.carwash.WashContext;
import io.mrgc.carwash.WashStep;
import java.util.ArrayList;
import java.util.List;

/** Wash step 5: every {@link Scrubbable} reports clean (run after {@link BufferScrubStep}). */
public final class CleanStateStep implements WashStep {
  public static final String NAME = "clean-state";

  private final List<Scrubbable> scrubbables;

  public CleanStateStep(List<? extends Scrubbable> scrubbables) {
    this.scrubbables = List.copyOf(scrubbables);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepResult run(WashContext context) {
    List<String> dirty = new ArrayList<>();
    for (Scrubbable scrubbable : scrubbables) {
      boolean clean;
      try {
        clean = scrubbable.isClean();
      } catch (RuntimeException e) {
        clean = false;
      }
      if (!clean) {
        dirty.add(scrubbable.name());
      }
    }
    if (!dirty.isEmpty()) {
      return StepResult.failed("not clean: " + String.join(", ", dirty));
    }
    return StepResult.passed(scrubbables.size() + " scrubbable(s) clean");
  }
}
