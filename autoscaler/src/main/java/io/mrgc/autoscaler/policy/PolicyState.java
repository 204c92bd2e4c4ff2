package io.mrgc.autoscaler.policy;

import java.time.Instant;
import java.util.List;

/**
 * What the policy carries from one tick to the next; immutable, the caller stores it (the loop in
 * autoscaling_state, the simulation in memory). Null fields mean "not yet" / "not now".
 *
 * @param window fresh RPS samples of the last max(scaleUpAfter, scaleDownAfter), oldest first
 * @param aboveSince since when every fresh sample was above target x ready instances (null: not above)
 * @param belowSince since when every fresh sample was below fraction x target x capacity (null: not below)
 * @param lastScaleDownAt the last scale-down (for the scale-down cooldown)
 * @param lastActionAt the last scale-up or scale-down
 * @param desired the desired capacity decided last (null before the first decision)
 * @param lastDecision the last decision (for status)
 */
public record PolicyState(
    List<RpsSample> window,
    Instant aboveSince,
    Instant belowSince,
    Instant lastScaleDownAt,
    Instant lastActionAt,
    Integer desired,
    Decision lastDecision) {

  public PolicyState {
    window = List.copyOf(window);
  }

  public static PolicyState initial() {
    return new PolicyState(List.of(), null, null, null, null, null, null);
  }
}
