package io.mrgc.autoscaler.policy;

import io.mrgc.common.Check;
import java.time.Instant;

/** An SRE override (`mrgc scale set REGION N --for 30m`, or `desired_capacity` set by hand): N until {@code until}. */
public record ScalingOverride(int desired, Instant until) {
  public ScalingOverride {
    Check.between("desired", desired, 0, 1000);
    Check.notNull("until", until);
  }

  public boolean activeAt(Instant now) {
    return now.isBefore(until);
  }
}
