package io.mrgc.autoscaler.loop;

import io.mrgc.autoscaler.policy.Decision;
import java.util.List;

/**
 * What one tick did. {@code decision} is null unless the tick got as far as deciding; the id lists are what it
 * launched, marked DRAINING and terminated through the fleet.
 */
public record TickResult(
    Outcome outcome,
    Decision decision,
    String metricsStatus,
    List<String> launched,
    List<String> drained,
    List<String> terminated,
    String detail) {

  public enum Outcome {
    /** Held the lease, wrote the decision, acted. */
    ACTED,
    /** Another holder has the lease: nothing read, nothing written. */
    NOT_LEADER,
    /** The lease could not be renewed (taken over): stopped acting. */
    LOST_LEASE,
    /** The decision write was refused by the fencing condition (a newer leader wrote): stopped acting. */
    FENCED,
    /** The decision write lost a version race (e.g. an SRE override landed): nothing done, next tick re-reads. */
    CONFLICT,
    /** DynamoDB or the fleet failed: nothing (more) done this tick. */
    ERROR
  }

  static TickResult of(Outcome outcome, String detail) {
    return new TickResult(outcome, null, null, List.of(), List.of(), List.of(), detail);
  }
}
