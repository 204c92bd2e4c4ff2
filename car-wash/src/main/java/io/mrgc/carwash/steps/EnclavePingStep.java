package io.mrgc.carwash.steps;

import io.mrgc.carwash.StepResult;
import io.mrgc.carwash.WashContext;
import io.mrgc.carwash.WashStep;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * Wash step 4b: the enclave answers a ping (the callable throws on failure). When {@code restartDue} names a reason
 * the ping is skipped and the step passes: the enclave is already known to need a restart, which the instance-level
 * wash that follows does and proves before the instance serves again (pinging a known-broken enclave here would
 * quarantine an instance that a restart repairs).
 */
public final class EnclavePingStep implements WashStep {
  public static final String NAME = "enclave-ping";

  private final Callable<?> ping;
  private final Supplier<Optional<String>> restartDue;

  public EnclavePingStep(Callable<?> ping) {
    this(ping, Optional::empty);
  }

  public EnclavePingStep(Callable<?> ping, Supplier<Optional<String>> restartDue) {
    this.ping = ping;
    this.restartDue = restartDue;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepResult run(WashContext context) {
    Optional<String> due = restartDue.get();
    if (due.isPresent()) {
      return StepResult.passed("ping skipped: enclave restart due (" + due.get() + ")");
    }
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
