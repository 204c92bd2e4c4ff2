package io.mrgc.failover.health;

import io.mrgc.common.Check;
import java.time.Duration;

/**
 * What makes a region IMPAIRED or FAILED in one observer's eyes, validated with exact messages.
 *
 * @param minServingInstances fewer serving instances (READY, BUSY, WASHING with a fresh heartbeat) is IMPAIRED; none
 *     is FAILED (default 2, the autoscaler's floor; 1..100)
 * @param heartbeatStaleAfter an instance whose heartbeat is older does not count (default 15 s: agents beat every
 *     second and gpu_instances replicates across regions in about a second)
 * @param metricsWindow router windows that ended within this are judged (default 30 s: three 10 s windows)
 * @param minRequests below this many requests in the window the error rate and latency are not judged (default 20),
 *     so two errors out of three requests do not fail a quiet region
 * @param impairedErrorRate error rate (5xx / requests) from which the region is IMPAIRED (default 0.05)
 * @param failedErrorRate error rate from which it is FAILED (default 0.5; above impairedErrorRate, at most 1)
 * @param maxP99Latency a router p99 above this is IMPAIRED (default 2 s)
 * @param slowProbe a health probe answering slower than this is IMPAIRED (default 1 s)
 */
public record HealthThresholds(
    int minServingInstances,
    Duration heartbeatStaleAfter,
    Duration metricsWindow,
    int minRequests,
    double impairedErrorRate,
    double failedErrorRate,
    Duration maxP99Latency,
    Duration slowProbe) {

  public HealthThresholds {
    Check.between("minServingInstances", minServingInstances, 1, 100);
    Check.positive("heartbeatStaleAfter", heartbeatStaleAfter);
    Check.positive("metricsWindow", metricsWindow);
    Check.between("minRequests", minRequests, 1, 1_000_000);
    if (!(impairedErrorRate > 0 && impairedErrorRate < failedErrorRate && failedErrorRate <= 1)) {
      throw new IllegalArgumentException("error rates must satisfy 0 < impairedErrorRate < failedErrorRate <= 1, but were "
          + impairedErrorRate + " and " + failedErrorRate);
    }
    Check.positive("maxP99Latency", maxP99Latency);
    Check.positive("slowProbe", slowProbe);
  }

  public static HealthThresholds defaults() {
    return new HealthThresholds(2, Duration.ofSeconds(15), Duration.ofSeconds(30), 20, 0.05, 0.5,
        Duration.ofSeconds(2), Duration.ofSeconds(1));
  }

  public HealthThresholds withMinServingInstances(int min) {
    return new HealthThresholds(min, heartbeatStaleAfter, metricsWindow, minRequests, impairedErrorRate,
        failedErrorRate, maxP99Latency, slowProbe);
  }
}
