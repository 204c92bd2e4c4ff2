package io.mrgc.autoscaler.policy;

import io.mrgc.common.Check;

/**
 * Another region as this region's autoscaler sees it: its failover state (routing_state), its recent RPS (before it
 * failed, if it did) and the share of its traffic this region takes when it fails over (e.g. 0.5 with three regions).
 */
public record PeerRegion(String region, String failoverState, double rps, double share) {
  public static final String NORMAL = "NORMAL";
  public static final String DEGRADED = "DEGRADED";
  public static final String FAILOVER_ACTIVE = "FAILOVER_ACTIVE";
  public static final String RECOVERING = "RECOVERING";

  public PeerRegion {
    Check.notBlank("region", region);
    Check.notBlank("failoverState", failoverState);
    if (!(rps >= 0) || Double.isInfinite(rps)) {
      throw new IllegalArgumentException("rps must be a finite number >= 0, but was " + rps);
    }
    if (!(share >= 0 && share <= 1)) {
      throw new IllegalArgumentException("share must be between 0 and 1, but was " + share);
    }
  }

  /** DEGRADED or FAILOVER_ACTIVE: survivors raise their floor to absorb its traffic. */
  public boolean failing() {
    return DEGRADED.equals(failoverState) || FAILOVER_ACTIVE.equals(failoverState);
  }

  /** Anything but NORMAL: no scale-down anywhere while a region fails or comes back. */
  public boolean unsettled() {
    return !NORMAL.equals(failoverState);
  }
}
