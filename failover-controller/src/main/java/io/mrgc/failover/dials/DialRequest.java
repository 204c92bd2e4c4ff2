package io.mrgc.failover.dials;

import io.mrgc.common.Check;

/**
 * Set {@code region}'s traffic dial to {@code percent} (Global Accelerator semantics: the share of the traffic headed
 * to the region that it keeps). {@code fencingToken} is the requesting leader's, for actuators that write fenced rows.
 */
public record DialRequest(String region, int percent, long fencingToken) {
  public DialRequest {
    Check.notBlank("region", region);
    Check.between("percent", percent, 0, 100);
  }
}
