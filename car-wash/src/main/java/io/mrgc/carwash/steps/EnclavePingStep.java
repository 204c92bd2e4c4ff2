package io.mrgc.carwash.steps;

import io.mrgc.carwash.StepResult;
import io.mrgc.carwash.WashContext;
import io.mrgc.carwash.WashStep;
import java.util.concurrent.Callable;

/** Wash step 4b: the enclave answers a ping (the callable throws on failure). */
public final class EnclavePingStep implements WashStep {
  public static final String NAME = "enclave-ping";

  private final Callable<?> ping;

  public EnclavePingStep(Callable<?> ping) {
    this.ping = ping;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepResult run(WashContext context) {
    long start = System.nanoTime();
    try {
      ping.call();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return StepResult.failed("enclave ping interrupted");
    } catch (Exception e) {
      return StepResult.failed("enclave ping failed: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }
    return StepResult.passed("enclave answered in " + (System.nanoTime() - start) / 1_000 + " us");
  }
}
