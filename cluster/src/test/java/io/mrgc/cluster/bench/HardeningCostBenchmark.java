package io.mrgc.cluster.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.cluster.LocalCluster;
import io.mrgc.cluster.LocalClusterOptions;
import io.mrgc.cluster.TenantAdmin;
import io.mrgc.tenant.MrgcClient;
import io.mrgc.tenant.RetryPolicy;
import java.net.URI;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10's hardening cost on the routed path, the switchable parts (not a test; docs/benchmarks.md): the encrypted
 * SDK path through the front door of three local clusters in this JVM, each 3 regions x 1 agent with only us-east-1
 * serving (the SDK's default home region):
 *
 * <ul>
 *   <li>(a) as shipped: TLS on both hops (tenant -> front door -> router), router<->agent HMAC (peer auth), envelope
 *       v=2 with the enclave's replay cache, whole bodies buffered before the pick;
 *   <li>(b) the same with plaintext HTTP: (a) vs (b) is the cost of TLS (item 5);
 *   <li>(c) plaintext HTTP and peer auth off ({@link LocalClusterOptions#withPeerAuth}(false)): (b) vs (c) is the cost
 *       of the HMAC (item 4's router<->agent part).
 * </ul>
 *
 * <p>4 closed-loop threads, one sentence, rounds that go through all six orders of the three (ABC, ACB, BAC, ...), so
 * machine noise and position in a round hit each alike. Connections are kept alive: steady state, not handshakes.
 * Buffered bodies (item 2) and envelope v=2 have no switch: {@code cluster/src/test/bench/hardening-before-after.sh}
 * measures them against the pre-hardening build. Asserts only that no request failed.
 *
 * <p>Run: {@code mvn -B -o -q -pl cluster test -Dgroups=benchmark -DexcludedGroups=none
 * -Dtest='HardeningCostBenchmark'}; the tables land in
 * {@code cluster/target/surefire-reports/io.mrgc.cluster.bench.HardeningCostBenchmark-output.txt}.
 */
@Tag("benchmark")
class HardeningCostBenchmark {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final String SENTENCE = "The cat sits on the mat";
  private static final int THREADS = 4;
  private static final int WARMUP = 300;
  private static final int ROUNDS = 6; // each of the 6 orders of (a), (b), (c) once
  private static final int PER_ROUND = 300;
  private static final int[][] ORDERS = {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {0, 2, 1}, {2, 0, 1}, {1, 0, 2}};

  @TempDir Path shippedDir;
  @TempDir Path plainDir;
  @TempDir Path plainNoAuthDir;

  /** One configuration's samples over all rounds. */
  private static final class Samples {
    final String name;
    final List<long[]> parts = new ArrayList<>();
    final List<Double> roundP50 = new ArrayList<>();
    long wallNanos;
    int errors;
    String firstError;

    Samples(String name) {
      this.name = name;
    }

    void add(long[] nanos, long wall, int failed, String error) {
      parts.add(nanos);
      roundP50.add(percentileMs(nanos, 50));
      wallNanos += wall;
      errors += failed;
      if (firstError == null) {
        firstError = error;
      }
    }

    long[] all() {
      return parts.stream().flatMapToLong(Arrays::stream).toArray();
    }

    double ms(double p) {
      return percentileMs(all(), p);
    }

    double rps() {
      return all().length / (wallNanos / 1e9);
    }
  }

  @Test
  void hardeningCostThroughTheFrontDoor() throws Exception {
    long started = System.nanoTime();
    try (LocalCluster shipped = start(LocalClusterOptions.ephemeral(shippedDir).withPlaintextHttp(false));
        LocalCluster plain = start(LocalClusterOptions.ephemeral(plainDir).withPlaintextHttp(true));
        LocalCluster plainNoAuth = start(LocalClusterOptions.ephemeral(plainNoAuthDir).withPlaintextHttp(true)
            .withPeerAuth(false));
        MrgcClient shippedClient = client(shipped);
        MrgcClient plainClient = client(plain);
        MrgcClient plainNoAuthClient = client(plainNoAuth)) {
      MrgcClient[] clients = {shippedClient, plainClient, plainNoAuthClient};
      Samples[] samples = {new Samples("(a) as shipped: TLS + peer auth"),
          new Samples("(b) plaintext HTTP + peer auth"), new Samples("(c) plaintext HTTP, peer auth off")};
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      try {
        for (int i = 0; i < 3; i++) { // warm-up, alternating
          for (int c = 0; c < 3; c++) {
            run(pool, WARMUP / 3, clients[c], new Samples("warm-up"));
          }
        }
        for (int round = 0; round < ROUNDS; round++) {
          for (int c : ORDERS[round % ORDERS.length]) {
            run(pool, PER_ROUND, clients[c], samples[c]);
          }
        }
      } finally {
        pool.shutdownNow();
      }
      System.out.println(report(samples, (System.nanoTime() - started) / 1e9));
      for (Samples s : samples) {
        assertThat(s.errors).as("%s errors, first: %s", s.name, s.firstError).isZero();
      }
    }
  }

  private static String report(Samples[] s, double seconds) {
    StringBuilder out = new StringBuilder();
    out.append(fmt("%nHardening cost through the front door (%d threads, %d rounds x %d requests per configuration, "
        + "all 6 orders, after %d warm-up requests each; %d processors)%n%n", THREADS, ROUNDS, PER_ROUND, WARMUP,
        Runtime.getRuntime().availableProcessors()));
    out.append("| configuration | requests | p50 ms | p99 ms | requests/s | errors |\n|---|---|---|---|---|---|\n");
    for (Samples x : s) {
      out.append(fmt("| %s | %d | %.2f | %.2f | %.1f | %d |%n", x.name, x.all().length, x.ms(50), x.ms(99), x.rps(),
          x.errors));
    }
    out.append("\n| comparison | p50 added | p50 ratio | p99 added | p99 ratio | throughput ratio "
        + "| per-round p50 added: min / median / max |\n|---|---|---|---|---|---|---|\n");
    out.append(compare("TLS (item 5): (a) vs (b)", s[0], s[1]));
    out.append(compare("peer-auth HMAC (item 4): (b) vs (c)", s[1], s[2]));
    out.append(compare("both: (a) vs (c)", s[0], s[2]));
    out.append(fmt("%nJava %s, %s %s. Whole benchmark: %.0f s.%n", System.getProperty("java.version"),
        System.getProperty("os.name"), System.getProperty("os.arch"), seconds));
    return out.toString();
  }

  private static String compare(String what, Samples with, Samples baseline) {
    double[] diffs = new double[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
      diffs[r] = with.roundP50.get(r) - baseline.roundP50.get(r);
    }
    Arrays.sort(diffs);
    return fmt("| %s | %+.2f ms | %.3fx | %+.2f ms | %.3fx | %.3fx | %+.2f / %+.2f / %+.2f ms |%n", what,
        with.ms(50) - baseline.ms(50), with.ms(50) / baseline.ms(50), with.ms(99) - baseline.ms(99),
        with.ms(99) / baseline.ms(99), with.rps() / baseline.rps(), diffs[0], (diffs[(ROUNDS - 1) / 2]
            + diffs[ROUNDS / 2]) / 2, diffs[ROUNDS - 1]);
  }

  private static LocalCluster start(LocalClusterOptions options) {
    LocalCluster cluster = LocalCluster.start(options.withAgentsPerRegion(1));
    cluster.awaitServing(Duration.ofSeconds(60));
    return cluster;
  }

  private static MrgcClient client(LocalCluster cluster) {
    TenantAdmin.Credentials tenant = cluster.createTenant("bench",
        new TenantAdmin.TenantSettings(List.of(), List.of(), 100000.0, 100000));
    URI anycast = cluster.anycastUrls().values().iterator().next();
    return MrgcClient.builder().endpoint(anycast).caCertificate(cluster.caCertificate()).tenant(tenant.tenantId())
        .apiKey(tenant.apiKey()).kmsKeyId(tenant.kmsKeyId()).dataKeySource(cluster.tenantKeySource())
        .retries(RetryPolicy.none()).build();
  }

  /** {@code requests} calls from {@link #THREADS} closed-loop threads into {@code into}. */
  private static void run(ExecutorService pool, int requests, MrgcClient client, Samples into) throws Exception {
    long[] nanos = new long[requests];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    AtomicReference<String> firstError = new AtomicReference<>();
    long start = System.nanoTime();
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
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
          nanos[i] = System.nanoTime() - began;
        }
      }));
    }
    for (Future<?> worker : workers) {
      worker.get();
    }
    into.add(nanos, System.nanoTime() - start, errors.get(), firstError.get());
  }

  /** Nearest-rank percentile in ms. */
  static double percentileMs(long[] nanos, double p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
