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
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 item 5's cost (not a test; docs/benchmarks.md): the encrypted SDK path through the front door with TLS on
 * both hops (tenant -> front door -> router) against the same path in plaintext HTTP. Two local clusters in this JVM,
 * one agent per region, only us-east-1 serving (the home region); 4 closed-loop threads, rounds alternate the two
 * (ABBA) so machine noise hits both. Connections are kept alive, so this is the steady-state cost (record encryption,
 * not handshakes). Asserts only that no request failed.
 *
 * <p>Run: {@code mvn -B -o -q -pl cluster test -Dgroups=benchmark -DexcludedGroups=none -Dtest='TlsCostBenchmark'};
 * the table lands in {@code cluster/target/surefire-reports/io.mrgc.cluster.bench.TlsCostBenchmark-output.txt}.
 */
@Tag("benchmark")
class TlsCostBenchmark {
  private static final int THREADS = 4;
  private static final int WARMUP = 200;
  private static final int ROUNDS = 8;
  private static final int PER_ROUND = 200;

  @TempDir Path tlsDir;
  @TempDir Path plainDir;

  /** One path's latencies (ns) and the wall time they took. */
  private static final class Path95 {
    long[] nanos = new long[0];
    long wallNanos;
    int errors;

    void add(long[] more, long wall, int failed) {
      long[] all = Arrays.copyOf(nanos, nanos.length + more.length);
      System.arraycopy(more, 0, all, nanos.length, more.length);
      nanos = all;
      wallNanos += wall;
      errors += failed;
    }

    double ms(double p) {
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)] / 1e6;
    }

    double rps() {
      return nanos.length / (wallNanos / 1e9);
    }
  }

  @Test
  void tlsOverPlaintextThroughTheFrontDoor() throws Exception {
    try (LocalCluster tls = start(LocalClusterOptions.ephemeral(tlsDir).withPlaintextHttp(false));
        LocalCluster plain = start(LocalClusterOptions.ephemeral(plainDir));
        MrgcClient tlsClient = client(tls);
        MrgcClient plainClient = client(plain)) {
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      try {
        run(pool, WARMUP, tlsClient, new Path95());
        run(pool, WARMUP, plainClient, new Path95());
        Path95 withTls = new Path95();
        Path95 without = new Path95();
        for (int round = 0; round < ROUNDS; round++) {
          boolean tlsFirst = round % 4 == 0 || round % 4 == 3; // ABBA
          run(pool, PER_ROUND, tlsFirst ? tlsClient : plainClient, tlsFirst ? withTls : without);
          run(pool, PER_ROUND, tlsFirst ? plainClient : tlsClient, tlsFirst ? without : withTls);
        }
        System.out.println(String.format(Locale.ROOT, """
            TLS cost through the front door (%d threads, %d rounds x %d requests per path, ABBA, %d cores)
            | path | p50 ms | p99 ms | requests/s | errors |
            |---|---|---|---|---|
            | plaintext HTTP (--plaintext-http) | %.2f | %.2f | %.0f | %d |
            | HTTPS, TLS to the router too | %.2f | %.2f | %.0f | %d |
            | TLS cost | %+.2f | %+.2f | %+.1f%% | |""", THREADS, ROUNDS, PER_ROUND,
            Runtime.getRuntime().availableProcessors(), without.ms(50), without.ms(99), without.rps(), without.errors,
            withTls.ms(50), withTls.ms(99), withTls.rps(), withTls.errors, withTls.ms(50) - without.ms(50),
            withTls.ms(99) - without.ms(99), 100 * (withTls.rps() / without.rps() - 1)));
        assertThat(withTls.errors + without.errors).isZero();
      } finally {
        pool.shutdownNow();
      }
    }
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

  private static void run(ExecutorService pool, int requests, MrgcClient client, Path95 into) throws Exception {
    long[] nanos = new long[requests];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    long start = System.nanoTime();
    Future<?>[] workers = new Future<?>[THREADS];
    for (int t = 0; t < THREADS; t++) {
      workers[t] = pool.submit(() -> {
        for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
          long began = System.nanoTime();
          try {
            if (client.embed("all-minilm-l6-v2", List.of("The cat sits on the mat")).vectors().get(0).length != 384) {
              errors.incrementAndGet();
            }
          } catch (RuntimeException e) {
            errors.incrementAndGet();
          }
          nanos[i] = System.nanoTime() - began;
        }
      });
    }
    for (Future<?> worker : workers) {
      worker.get();
    }
    into.add(nanos, System.nanoTime() - start, errors.get());
  }
}
