package io.mrgc.carwash.steps;

import io.mrgc.carwash.StepResult;
import io.mrgc.carwash.WashContext;
import io.mrgc.carwash.WashStep;
import java.time.Clock;
import java.util.Optional;

/**
 * Wash step 3: restarts the enclave when {@link EnclaveRestartPolicy} says so. The instance is WASHING (not
 * routable) meanwhile, so a restart never happens inside a request. A request counts as served when its wash runs
 * (a scheduled wash, see {@link WashContext#followsRequest()}, counts none). A failed restart fails the step
 * (the caller quarantines) and the policy keeps asking for a restart.
 */
public final class EnclaveRestartStep implements WashStep {
  public static final String NAME = "enclave-restart";

  private final EnclaveRestartPolicy policy;
  private final EnclaveControl enclave;
  private final Clock clock;

  public EnclaveRestartStep(EnclaveRestartPolicy policy, EnclaveControl enclave, Clock clock) {
    this.policy = policy;
    this.enclave = enclave;
    this.clock = clock;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepResult run(WashContext context) {
    if (context.followsRequest()) {
      policy.requestServed();
    }
    Optional<String> reason = policy.restartReason(clock.millis());
    if (reason.isEmpty()) {
      return StepResult.passed("no restart due (" + policy.requestsSinceRestart() + " request(s) since the last)");
    }
    long start = System.nanoTime();
    try {
      enclave.restart();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return StepResult.failed("restart interrupted (" + reason.get() + ")");
    } catch (Exception e) {
      return StepResult.failed("restart failed (" + reason.get() + "): " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }
    policy.restarted(clock.millis());
    return StepResult.passed("restarted and re-attested in " + (System.nanoTime() - start) / 1_000_000 + " ms ("
        + reason.get() + ")");
  }
}
