package io.mrgc.cluster.frontdoor;

/** One region's health as the front door's checks see it: consecutive results decide, never a single one. */
final class RegionHealth {
  private final int thresholdCount;
  private boolean healthy = true;
  private int consecutiveSame;

  RegionHealth(int thresholdCount) {
    this.thresholdCount = thresholdCount;
  }

  /** Records one check; returns true when the region's health flipped. */
  synchronized boolean record(boolean passed) {
    if (passed == healthy) {
      consecutiveSame = 0;
      return false;
    }
    if (++consecutiveSame >= thresholdCount) {
      healthy = passed;
      consecutiveSame = 0;
      return true;
    }
    return false;
  }

  synchronized boolean healthy() {
    return healthy;
  }
}
