package io.mrgc.autoscaler.policy;

import io.mrgc.common.Check;
import java.time.Instant;

/**
 * The region's request rate over one metrics window (the sum over its routers' rows), stamped with the window's end.
 * It is the arrival rate, not a queue length: requests queued during a cold start do not inflate it.
 */
public record RpsSample(Instant at, double rps) {
  public RpsSample {
    Check.notNull("at", at);
    if (!(rps >= 0) || Double.isInfinite(rps)) {
      throw new IllegalArgumentException("rps must be a finite number >= 0, but was " + rps);
    }
  }
}
