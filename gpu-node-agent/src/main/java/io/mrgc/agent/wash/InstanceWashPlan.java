package io.mrgc.agent.wash;

import io.mrgc.carwash.WashStep;
import io.mrgc.carwash.steps.EnclaveControl;
import io.mrgc.carwash.steps.EnclavePingStep;
import io.mrgc.carwash.steps.EnclaveRestartPolicy;
import io.mrgc.carwash.steps.EnclaveRestartStep;
import io.mrgc.carwash.steps.ModelIntegrityStep;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Decides when the instance needs an instance-level wash (between tenants' turns, never inside one): an enclave restart
 * when {@link EnclaveRestartPolicy} says so (every N requests, every T, after an enclave error), and the scheduled
 * full manifest check. Without an {@link EnclaveControl} a due restart cannot happen, and the instance is
 * quarantined instead (its enclave can no longer be trusted or reached).
 */
public final class InstanceWashPlan {
  /** What to do now that a tenant's turn ends (or the instance idles clean). */
  public sealed interface Decision permits Nothing, Wash, Quarantine {}

  public record Nothing() implements Decision {}

  /** An instance-level wash: {@code what} names it in its cleanup_validation id, {@code reason} in gpu_instances. */
  public record Wash(String what, String reason, List<WashStep> steps) implements Decision {}

  public record Quarantine(String reason) implements Decision {}

  private final Callable<?> enclavePing;
  private final EnclaveControl control;
  private final EnclaveRestartPolicy policy;
  private final ModelIntegrityStep integrity;
  private final List<WashStep> cleanPools;
  private final Clock clock;

  /**
   * @param enclavePing pings the enclave (throws when it does not answer); null for an agent without an enclave
   *     (no restart is ever due)
   * @param control null: restarts are impossible; a due restart quarantines
   * @param cleanPools buffer-scrub and clean-state over every pool, run after the release check
   */
  public InstanceWashPlan(Callable<?> enclavePing, EnclaveControl control, EnclaveRestartPolicy policy,
      ModelIntegrityStep integrity, List<WashStep> cleanPools, Clock clock) {
    this.enclavePing = enclavePing;
    this.control = control;
    this.policy = policy;
    this.integrity = integrity;
    this.cleanPools = List.copyOf(cleanPools);
    this.clock = clock;
  }

  public Decision next() {
    Optional<String> restart = restartDue();
    if (restart.isPresent() && control == null) {
      return new Quarantine("enclave restart due (" + restart.get() + ") but this agent has no EnclaveControl to "
          + "restart it");
    }
    List<WashStep> steps = new ArrayList<>();
    List<String> what = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    if (restart.isPresent()) {
      steps.add(new EnclaveRestartStep(policy, control, clock));
      steps.add(new EnclavePingStep(enclavePing));
      what.add("enclave-restart");
      reasons.add("enclave restart: " + restart.get());
    }
    if (integrity.fullCheckDue()) {
      steps.add(integrity.fullCheckStep());
      what.add("full-check");
      reasons.add("scheduled full manifest check");
    }
    return steps.isEmpty() ? new Nothing()
        : new Wash(String.join("+", what), String.join("; ", reasons), List.copyOf(steps));
  }

  /** Whether {@link #next()} would ask for a wash (or a quarantine): a tenant's turn ends first. */
  public boolean instanceWashDue() {
    return restartDue().isPresent() || integrity.fullCheckDue();
  }

  /** The reason an enclave restart is due, or empty (always empty without an enclave). */
  public Optional<String> restartDue() {
    return enclavePing == null ? Optional.empty() : policy.restartReason(clock.millis());
  }

  /** One request was served (counts towards "every N requests"). */
  public void requestServed() {
    policy.requestServed();
  }

  /** The enclave failed (a request's decrypt or seal, or the heartbeat's ping): restart before the next request. */
  public void enclaveError(String what) {
    if (enclavePing != null) {
      policy.enclaveError(what);
    }
  }

  /** Changes whenever the enclave was restarted: a ping started before a restart says nothing about the new one. */
  public long enclaveGeneration() {
    return policy.lastRestartMillis();
  }

  /**
   * The full check before an operator's release, as an instance-level wash of its own; every pool is scrubbed and
   * verified after it (a quarantine can interrupt a tenant's turn).
   */
  public Wash releaseCheck() {
    List<WashStep> steps = new ArrayList<>();
    steps.add(integrity.fullCheckStep());
    steps.addAll(cleanPools);
    return new Wash("release-check", "release requested by an operator: full manifest check running",
        List.copyOf(steps));
  }
}
