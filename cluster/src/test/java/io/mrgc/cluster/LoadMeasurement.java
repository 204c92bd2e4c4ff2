package io.mrgc.cluster;

import io.mrgc.tenant.MrgcClient;
import io.mrgc.tenant.MrgcException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Closed-loop encrypted embeddings from the tenant SDK on a few threads for a fixed time, measured: latency p50/p99
 * of every request (successful or not), throughput, and failures by status. For tests that compare a tenant's
 * latency before and during something, and for benchmarks (docs/benchmarks.md). Use an SDK without retries
 * ({@code RetryPolicy.none()}) to see every server error.
 */
public final class LoadMeasurement {
  /**
   * What one run saw.
   *
   * @param failuresByStatus failed requests by HTTP status (0: no answer at all)
   */
  public record Result(int requests, int ok, Map<Integer, Integer> failuresByStatus, double p50Ms, double p99Ms,
      double throughputRps, String firstFailure) {
    /** Requests answered with a 5xx status, or not answered at all. */
    public int serverErrors() {
      return failuresByStatus.entrySet().stream().filter(e -> e.getKey() >= 500 || e.getKey() == 0)
          .mapToInt(Map.Entry::getValue).sum();
    }

    @Override
    public String toString() {
      return String.format("%d requests (%d ok, failures %s), p50 %.1f ms, p99 %.1f ms, %.1f req/s", requests, ok,
          failuresByStatus, p50Ms, p99Ms, throughputRps);
    }
  }

  private LoadMeasurement() {}

  public static Result run(MrgcClient sdk, String model, int threads, Duration duration) throws InterruptedException {
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    Map<Integer, Integer> failures = Collections.synchronizedMap(new TreeMap<>());
    String[] firstFailure = {null};
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    for (int t = 0; t < threads; t++) {
      pool.submit(() -> {
        while (System.nanoTime() < end) {
          long sent = System.nanoTime();
          try {
            sdk.embed(model, List.of("steady load"));
          } catch (MrgcException e) {
            failures.merge(e.status(), 1, Integer::sum);
            synchronized (firstFailure) {
              if (firstFailure[0] == null) {
                firstFailure[0] = e.toString();
              }
            }
          } catch (RuntimeException e) {
            failures.merge(0, 1, Integer::sum);
            synchronized (firstFailure) {
              if (firstFailure[0] == null) {
                firstFailure[0] = e.toString();
              }
            }
          }
          latencies.add(System.nanoTime() - sent);
        }
      });
    }
    pool.shutdown();
    pool.awaitTermination(duration.toSeconds() + 60, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    List<Long> sorted;
    synchronized (latencies) {
      sorted = new ArrayList<>(latencies);
    }
    Collections.sort(sorted);
    int failed = failures.values().stream().mapToInt(Integer::intValue).sum();
    return new Result(sorted.size(), sorted.size() - failed, Map.copyOf(failures), percentileMs(sorted, 0.50),
        percentileMs(sorted, 0.99), sorted.size() / seconds, firstFailure[0]);
  }

  /** Nearest-rank percentile in milliseconds; 0 with no samples. */
  static double percentileMs(List<Long> sortedNanos, double quantile) {
    if (sortedNanos.isEmpty()) {
      return 0;
    }
    int rank = (int) Math.ceil(quantile * sortedNanos.size());
    return sortedNanos.get(Math.max(0, Math.min(sortedNanos.size() - 1, rank - 1))) / 1e6;
  }
}
