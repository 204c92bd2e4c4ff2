package io.mrgc.cluster.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.agent.NodeAgent;
import io.mrgc.carwash.StepReport;
import io.mrgc.carwash.WashReport;
import io.mrgc.cluster.LocalCluster;
import io.mrgc.cluster.LocalClusterOptions;
import io.mrgc.cluster.TenantAdmin;
import io.mrgc.tenant.MrgcClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4's benchmark (not a test; docs/benchmarks.md): how long the car wash after every request takes, step by
 * step, and its share of the request latency the tenant sees, measured in the same run: encrypted requests from the
 * tenant SDK through the front door of a local cluster at its defaults, closed loop; washes read from the agents'
 * own reports. Asserts only that no request failed and every wash passed.
 *
 * <p>Run: {@code mvn -B -o -q -pl cluster test -Dgroups=benchmark -DexcludedGroups=none -Dtest='WashBenchmark'};
 * the table lands in {@code cluster/target/surefire-reports/io.mrgc.cluster.bench.WashBenchmark-output.txt}.
 */
@Tag("benchmark")
class WashBenchmark {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final String SENTENCE = "The cat sits on the mat";
  private static final int THREADS = 4;
  private static final int WARMUP = 200;
  private static final int MEASURED = 1200; // the agents keep their last 1000 wash reports each

  @TempDir
  Path stateDir;

  @Test
  void washDurationAndShareOfRequestLatency() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(LocalClusterOptions.ephemeral(stateDir))) {
      cluster.awaitServing(Duration.ofSeconds(60));
      TenantAdmin.Credentials tenant = cluster.createTenant("bench",
          new TenantAdmin.TenantSettings(List.of(), List.of(), 100_000.0, 100_000));
      URI anycast = cluster.anycastUrls().values().iterator().next();
      try (MrgcClient sdk = MrgcClient.builder().endpoint(anycast).tenant(tenant.tenantId())
          .apiKey(tenant.apiKey()).kmsKeyId(tenant.kmsKeyId()).dataKeySource(cluster.tenantKeySource()).build()) {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        run(pool, sdk, WARMUP);
        long since = System.currentTimeMillis();
        long wallStart = System.nanoTime();
        long[] requestNanos = run(pool, sdk, MEASURED);
        double wallSeconds = (System.nanoTime() - wallStart) / 1e9;
        pool.shutdown();

        List<WashReport> washes = new ArrayList<>();
        for (NodeAgent agent : cluster.agents().values()) {
          agent.recentWashes().stream().filter(w -> w.startedAtMillis() >= since && w.requestId() != null)
              .forEach(washes::add);
        }
        System.out.println(report(requestNanos, washes, wallSeconds, cluster.agents().size()));
        assertThat(washes).as("washes of the measured requests").hasSizeGreaterThanOrEqualTo(MEASURED);
        assertThat(washes).allSatisfy(w -> assertThat(w.outcome()).isEqualTo(WashReport.Outcome.PASSED));
      }
    }
  }

  /** {@code count} encrypted requests on the pool's threads, closed loop; their latencies. */
  private static long[] run(ExecutorService pool, MrgcClient sdk, int count) throws Exception {
    List<Future<long[]>> parts = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int share = count / THREADS;
      parts.add(pool.submit(() -> {
        long[] nanos = new long[share];
        for (int i = 0; i < share; i++) {
          long start = System.nanoTime();
          float[] vector = sdk.embed(MODEL, List.of(SENTENCE)).vectors().get(0);
          nanos[i] = System.nanoTime() - start;
          if (vector.length != 384) {
            throw new IllegalStateException("a vector of " + vector.length + " floats");
          }
        }
        return nanos;
      }));
    }
    List<long[]> all = new ArrayList<>();
    for (Future<long[]> part : parts) {
      all.add(part.get(10, TimeUnit.MINUTES));
    }
    return all.stream().flatMapToLong(Arrays::stream).toArray();
  }

  private static String report(long[] requestNanos, List<WashReport> washes, double wallSeconds, int agents) {
    long[] washNanos = washes.stream().mapToLong(WashReport::totalNanos).toArray();
    Map<String, List<Long>> perStep = new LinkedHashMap<>();
    for (WashReport wash : washes) {
      for (StepReport step : wash.steps()) {
        perStep.computeIfAbsent(step.name(), k -> new ArrayList<>()).add(step.nanos());
      }
    }
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%nWash benchmark: %d encrypted requests, %d client threads, %d agents, "
        + "%.0f requests/s%n", requestNanos.length, THREADS, agents, requestNanos.length / wallSeconds));
    out.append("| measure | p50 ms | p99 ms | mean ms |\n|---|---|---|---|\n");
    row(out, "request latency (tenant SDK, end to end)", requestNanos);
    row(out, "car wash, total", washNanos);
    perStep.forEach((name, nanos) -> row(out, "  step " + name, nanos.stream().mapToLong(Long::longValue).toArray()));
    out.append(String.format(Locale.ROOT, "%nwash share of request latency: p50 %.1f%%, mean %.1f%%%n",
        100 * percentile(washNanos, 50) / percentile(requestNanos, 50), 100 * mean(washNanos) / mean(requestNanos)));
    return out.toString();
  }

  private static void row(StringBuilder out, String name, long[] nanos) {
    out.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f |%n", name, percentile(nanos, 50) / 1e6,
        percentile(nanos, 99) / 1e6, mean(nanos) / 1e6));
  }

  private static double percentile(long[] nanos, double p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
  }

  private static double mean(long[] nanos) {
    return Arrays.stream(nanos).average().orElse(0);
  }
}
