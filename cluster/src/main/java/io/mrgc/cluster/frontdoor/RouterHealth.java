package io.mrgc.cluster.frontdoor;

/**
 * One router's health as the front door sees it. Health checks decide by consecutive results, never a single one
 * (Global Accelerator's and the NLB's rule); a refused connection takes the router out at once (it gets no new
 * connections), and it comes back only after {@code thresholdCount} consecutive passing checks.
 */
final class RouterHealth {
  private final int thresholdCount;
  private boolean healthy = true;
  private int consecutiveSame;

  RouterHealth(int thresholdCount) {
    this.thresholdCount = thresholdCount;
  }

  /** Records one check; returns true when the router's health flipped. */
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

  /** The router refused a connection (or its TLS handshake); returns true when that took it out. */
  synchronized boolean refused() {
    consecutiveSame = 0;
    boolean was = healthy;
    healthy = false;
    return was;
  }

  synchronized boolean healthy() {
    return healthy;
  }
}
