package io.mrgc.failover.health;

/** One observer's verdict on a region, in increasing severity (the order matters: the quorum takes the k-th worst). */
public enum Verdict {
  HEALTHY,
  /** Serving, but worse than it should: fewer instances than the minimum, errors or latency above the thresholds. */
  IMPAIRED,
  /** Not serving: no live instance, most requests failing, or its health endpoint unreachable or failing. */
  FAILED;

  public boolean atLeast(Verdict other) {
    return compareTo(other) >= 0;
  }

  public static Verdict worse(Verdict a, Verdict b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
