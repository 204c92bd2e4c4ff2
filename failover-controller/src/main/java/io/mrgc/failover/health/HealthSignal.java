package io.mrgc.failover.health;

import java.time.Instant;
import java.util.List;

/**
 * One observer's verdict on one region at one time, with the reasons in words (every signal that was not fine, plus
 * notes such as missing metrics) and the figures behind them.
 *
 * @param servingInstances serving instances with a fresh heartbeat
 * @param requests router requests in the judged window (0 when no metrics)
 * @param errorRate errors / requests, or null when too few requests to judge
 * @param p99Millis the worst router p99 in the window, or null when too few requests
 * @param probe what the probe of the region's health endpoint saw
 */
public record HealthSignal(String region, Instant at, Verdict verdict, List<String> reasons, int servingInstances,
    long requests, Double errorRate, Double p99Millis, ProbeResult.Outcome probe) {

  public HealthSignal {
    reasons = List.copyOf(reasons);
  }
}
