package io.mrgc.cluster.bench;

import io.mrgc.cluster.LocalCluster;
import io.mrgc.cluster.LocalClusterOptions;
import io.mrgc.cluster.TenantAdmin;
import io.mrgc.tenant.MrgcClient;
import io.mrgc.tenant.RetryPolicy;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The load of {@code cluster/src/test/bench/hardening-before-after.sh} (not a test): one JVM, one local cluster, the
 * encrypted SDK path through the front door, closed-loop threads. It compiles against the pre-hardening tree too
 * (d47f2ec; the script copies it there), so it uses only what both trees have: {@code LocalCluster.start},
 * {@code LocalClusterOptions.ephemeral(..).withAgentsPerRegion}, {@code createTenant}, {@code MrgcClient}. The
 * hardening's switches ({@code withPlaintextHttp(true)}, {@code withPeerAuth(false)}) are applied by reflection where
 * the tree has them, so the newer build runs without TLS and without peer auth.
 *
 * <p>{@code run LABEL THREADS WARMUP REQUESTS OUT_FILE}: writes {@code wallNanos errors} and then one latency (ns) a
 * line. {@code report NAME=FILE[,FILE..] NAME=FILE[,FILE..]}: pooled p50/p99/throughput per name, the second against
 * the first.
 */
public final class HardeningLoadDriver {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final String SENTENCE = "The cat sits on the mat";

  private HardeningLoadDriver() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("report")) {
      report(Arrays.copyOfRange(args, 1, args.length));
    } else if (args.length == 6 && args[0].equals("run")) {
      run(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]), Path.of(args[5]));
    } else {
      System.err.println("usage: run LABEL THREADS WARMUP REQUESTS OUT_FILE | report NAME=FILE[,FILE..] ...");
      System.exit(2);
    }
    System.exit(0); // the cluster's non-daemon threads must not keep the JVM
  }

  private static void run(String label, int threads, int warmup, int requests, Path out) throws Exception {
    Path stateDir = Files.createTempDirectory("hardening-bench-");
    LocalClusterOptions options = LocalClusterOptions.ephemeral(stateDir).withAgentsPerRegion(1);
    List<String> applied = new ArrayList<>();
    options = optional(options, "withPlaintextHttp", true, applied);
    options = optional(options, "withPeerAuth", false, applied);
    long t0 = System.nanoTime();
    try (LocalCluster cluster = LocalCluster.start(options)) {
      cluster.awaitServing(Duration.ofSeconds(60));
      TenantAdmin.Credentials tenant = cluster.createTenant("bench",
          new TenantAdmin.TenantSettings(List.of(), List.of(), 100000.0, 100000));
      URI anycast = cluster.anycastUrls().values().iterator().next();
      double startSeconds = (System.nanoTime() - t0) / 1e9;
      try (MrgcClient client = MrgcClient.builder().endpoint(anycast).tenant(tenant.tenantId())
          .apiKey(tenant.apiKey()).kmsKeyId(tenant.kmsKeyId()).dataKeySource(cluster.tenantKeySource())
          .retries(RetryPolicy.none()).build()) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
          long[] warm = segment(pool, threads, warmup, client);
          long[] measured = segment(pool, threads, requests, client);
          StringBuilder text = new StringBuilder();
          text.append(measured[0]).append(' ').append(measured[1]).append('\n');
          for (int i = 2; i < measured.length; i++) {
            text.append(measured[i]).append('\n');
          }
          Files.writeString(out, text);
          long[] nanos = Arrays.copyOfRange(measured, 2, measured.length);
          System.out.println(String.format(Locale.ROOT,
              "%s: switches %s, cluster up in %.1f s, warm-up %d (errors %d), measured %d: p50 %.2f ms, p99 %.2f ms, "
                  + "%.1f req/s, errors %d", label, applied.isEmpty() ? "none (pre-hardening API)" : applied,
              startSeconds, warmup, warm[1], requests, percentileMs(nanos, 50), percentileMs(nanos, 99),
              requests / (measured[0] / 1e9), measured[1]));
        } finally {
          pool.shutdownNow();
        }
      }
    }
  }

  private static LocalClusterOptions optional(LocalClusterOptions options, String method, boolean value,
      List<String> applied) throws Exception {
    Method m;
    try {
      m = LocalClusterOptions.class.getMethod(method, boolean.class);
    } catch (NoSuchMethodException absent) {
      return options;
    }
    applied.add(method + "(" + value + ")");
    return (LocalClusterOptions) m.invoke(options, value);
  }

  /** {wallNanos, errors, latency...} of {@code requests} calls from {@code threads} closed-loop threads. */
  private static long[] segment(ExecutorService pool, int threads, int requests, MrgcClient client) throws Exception {
    long[] result = new long[requests + 2];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    AtomicReference<String> firstError = new AtomicReference<>();
    List<Future<?>> workers = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      workers.add(pool.submit(() -> {
        for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
          long began = System.nanoTime();
          try {
            float[] vector = client.embed(MODEL, List.of(SENTENCE)).vectors().get(0);
            if (vector.length != 384) {
              throw new IllegalStateException("expected 384 floats, got " + vector.length);
            }
          } catch (RuntimeException e) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, e.toString());
          }
          result[i + 2] = System.nanoTime() - began;
        }
      }));
    }
    for (Future<?> worker : workers) {
      worker.get();
    }
    result[0] = System.nanoTime() - start;
    result[1] = errors.get();
    if (firstError.get() != null) {
      System.out.println("first error: " + firstError.get());
    }
    return result;
  }

  private static void report(String[] groups) throws IOException {
    String[] names = new String[groups.length];
    double[][] stats = new double[groups.length][];
    StringBuilder out = new StringBuilder();
    out.append("| build | runs | requests | p50 ms | p99 ms | requests/s | errors |\n|---|---|---|---|---|---|---|\n");
    for (int g = 0; g < groups.length; g++) {
      names[g] = groups[g].substring(0, groups[g].indexOf('='));
      List<Long> all = new ArrayList<>();
      long wall = 0;
      long errors = 0;
      String[] files = groups[g].substring(groups[g].indexOf('=') + 1).split(",");
      for (String file : files) {
        List<String> lines = Files.readAllLines(Path.of(file));
        String[] head = lines.get(0).trim().split(" ");
        wall += Long.parseLong(head[0]);
        errors += Long.parseLong(head[1]);
        lines.subList(1, lines.size()).forEach(line -> all.add(Long.parseLong(line.trim())));
      }
      long[] nanos = all.stream().mapToLong(Long::longValue).toArray();
      stats[g] = new double[] {percentileMs(nanos, 50), percentileMs(nanos, 99), nanos.length / (wall / 1e9)};
      out.append(String.format(Locale.ROOT, "| %s | %d | %d | %.2f | %.2f | %.1f | %d |%n", names[g], files.length,
          nanos.length, stats[g][0], stats[g][1], stats[g][2], errors));
    }
    if (groups.length == 2) {
      out.append(String.format(Locale.ROOT, "%n| %s vs %s | p50 added | p50 ratio | p99 added | p99 ratio "
              + "| throughput ratio |%n|---|---|---|---|---|---|%n| | %+.2f ms | %.3fx | %+.2f ms | %.3fx | %.3fx |%n",
          names[1], names[0], stats[1][0] - stats[0][0], stats[1][0] / stats[0][0], stats[1][1] - stats[0][1],
          stats[1][1] / stats[0][1], stats[1][2] / stats[0][2]));
    }
    System.out.print(out);
  }

  /** Nearest-rank percentile in ms. */
  static double percentileMs(long[] nanos, double p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
  }
}
