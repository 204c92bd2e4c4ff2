package io.mrgc.common.service;

import io.mrgc.common.config.Mode;

/** Where a configured service runs: what its CloudWatch metrics are dimensioned by. */
public record Placement(Mode mode, String region, String instanceId) {
  public Placement(Mode mode, String region) {
    this(mode, region, null);
  }
}
