package io.mrgc.carwash.steps;

import io.mrgc.carwash.StepResult;
import io.mrgc.carwash.WashContext;
import io.mrgc.carwash.WashStep;
import java.util.ArrayList;
import java.util.List;

/**
 * Wash step 1: zeroes every {@link Scrubbable} (request buffers, outputs; later the ONNX Runtime arena shrink and
 * the CUDA IO-binding buffers join as Scrubbables). Every one is scrubbed even if another fails; any failure fails
 * the step.
 */
public final class BufferScrubStep implements WashStep {
  public static final String NAME = "buffer-scrub";

  private final List<Scrubbable> scrubbables;

  public BufferScrubStep(List<? extends Scrubbable> scrubbables) {
    this.scrubbables = List.copyOf(scrubbables);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepResult run(WashContext context) {
    List<String> failures = new ArrayList<>();
    for (Scrubbable scrubbable : scrubbables) {
      try {
        scrubbable.scrub();
      } catch (RuntimeException e) {
        failures.add(scrubbable.name() + " (" + e.getClass().getSimpleName() + ")");
      }
    }
    if (!failures.isEmpty()) {
      return StepResult.failed("scrub failed for " + String.join(", ", failures));
    }
    return StepResult.passed("zeroed " + scrubbables.size() + " scrubbable(s): "
        + String.join(", ", scrubbables.stream().map(Scrubbable::name).toList()));
  }
}
