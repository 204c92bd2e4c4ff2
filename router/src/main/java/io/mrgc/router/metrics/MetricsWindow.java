package io.mrgc.router.metrics;

import java.util.Arrays;
import java.util.Random;

/**
 * Requests, 5xx errors and latency of the current metrics window (what the autoscaler and failover controller read
 * from the metrics table). Latencies go into a fixed-size reservoir sample, so memory stays bounded at any RPS.
 */
public final class MetricsWindow {
  /** Enough samples for a stable p99 per window without growing with traffic. */
  static final int RESERVOIR_SIZE = 8192;

  private final Random random = new Random();
  private final double[] reservoir = new double[RESERVOIR_SIZE];
  private long windowStartMillis;
  private long requests;
  private long errors;

  public MetricsWindow(long windowStartMillis) {
    this.windowStartMillis = windowStartMillis;
  }

  /** One window's totals. */
  public record Totals(long windowStartMillis, long windowMillis, long requests, long errors, double rps,
      double latencyP50Ms, double latencyP99Ms) {}

  public synchronized void record(int status, double latencyMs) {
    long seen = requests++;
    if (status >= 500) {
      errors++;
    }
    if (seen < RESERVOIR_SIZE) {
      reservoir[(int) seen] = latencyMs;
    } else {
      long slot = (long) (random.nextDouble() * (seen + 1));
      if (slot < RESERVOIR_SIZE) {
        reservoir[(int) slot] = latencyMs;
      }
    }
  }

  /** Closes the window at {@code nowMillis}, returns its totals and starts the next one. */
  public synchronized Totals roll(long nowMillis) {
    long windowMillis = Math.max(1, nowMillis - windowStartMillis);
    int samples = (int) Math.min(requests, RESERVOIR_SIZE);
    double[] sorted = Arrays.copyOf(reservoir, samples);
    Arrays.sort(sorted);
    Totals totals = new Totals(windowStartMillis, windowMillis, requests, errors,
        requests * 1000.0 / windowMillis, quantile(sorted, 0.50), quantile(sorted, 0.99));
    windowStartMillis = nowMillis;
    requests = 0;
    errors = 0;
    return totals;
  }

  private static double quantile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}
