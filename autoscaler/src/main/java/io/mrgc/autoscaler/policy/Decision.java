package io.mrgc.autoscaler.policy;

import java.time.Instant;

/** The desired capacity (ready + launching instances) after one tick, and why, in words for `mrgc scale status`. */
public record Decision(Instant at, int desired, Direction direction, String reason) {
  public boolean isAction() {
    return direction != Direction.HOLD;
  }
}
