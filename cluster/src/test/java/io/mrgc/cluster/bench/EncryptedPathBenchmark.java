package io.mrgc.cluster.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mrgc.cluster.LocalCluster;
import io.mrgc.cluster.LocalClusterOptions;
import io.mrgc.cluster.TenantAdmin;
import io.mrgc.tenant.DataKeyReuse;
import io.mrgc.tenant.MrgcClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3's benchmark (not a test; docs/benchmarks.md): what the encrypted path costs over the plaintext one, and how
 * many KMS calls a request needs with and without data-key reuse. One local cluster, allowPlaintext on, so both paths
 * go through the same anycast address, front door, us-east-1 router and agents in the same run.
 *
 * <p>Latency: 4 closed-loop client threads, the same one-sentence input, rounds that alternate the paths (ABBA) so
 * machine noise hits both. The plaintext client reads and parses the JSON answer into float[] like the SDK does, and
 * uses a JDK HttpClient built like the SDK's, so the difference is the envelope work (seal, enclave open/seal, open).
 *
 * <p>KMS calls: fresh SDK clients with {@link DataKeyReuse#defaults()} and {@link DataKeyReuse#none()}; tenant-side
 * GenerateDataKey ({@link MrgcClient#kmsCalls()}) plus enclave-side Decrypt with Recipient
 * ({@link LocalCluster#enclaveKmsCalls()}, before/after), divided by requests. Asserts only that no request failed.
 *
 * <p>Run: {@code mvn -B -o -q -pl cluster test -Dgroups=benchmark -DexcludedGroups=none
 * -Dtest='EncryptedPathBenchmark'}; the tables land in
 * {@code cluster/target/surefire-reports/io.mrgc.cluster.bench.EncryptedPathBenchmark-output.txt}.
 */
@Tag("benchmark")
class EncryptedPathBenchmark {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final String SENTENCE = "The cat sits on the mat";
  private static final String HOME = "us-east-1";
  private static final int THREADS = 4;
  private static final int WARMUP_PER_PATH = 300;
  private static final int ROUNDS = 16;
  private static final int PER_ROUND = 300;
  private static final int KMS_REUSE_REQUESTS = 3000;
  private static final int KMS_NONE_REQUESTS = 2000;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path stateDir;

  /** One request; returns normally when it got a 384-float vector, throws otherwise. */
  private interface Call {
    void run() throws Exception;
  }

  /** Latencies and errors of one segment (one path, one round). */
  private record Segment(long[] nanos, int errors, String firstError, long wallNanos) {}

  /** All samples of one path. */
  private static final class Samples {
    final List<long[]> parts = new ArrayList<>();
    final List<Double> roundP50 = new ArrayList<>();
    final List<Double> roundP99 = new ArrayList<>();
    int errors;
    String firstError;
    long wallNanos;

    void add(Segment s) {
      parts.add(s.nanos());
      roundP50.add(percentileMs(s.nanos(), 50));
      roundP99.add(percentileMs(s.nanos(), 99));
      errors += s.errors();
      if (firstError == null) {
        firstError = s.firstError();
      }
      wallNanos += s.wallNanos();
    }

    long[] all() {
      return parts.stream().flatMapToLong(Arrays::stream).toArray();
    }

    double rps() {
      return all().length / (wallNanos / 1e9);
    }
  }

  @Test
  void encryptedPathOverheadAndKmsCallsPerRequest() throws Exception {
    long started = System.nanoTime();
    try (LocalCluster cluster = LocalCluster.start(LocalClusterOptions.ephemeral(stateDir).withAllowPlaintext(true))) {
      cluster.awaitServing(Duration.ofSeconds(60));
      TenantAdmin.Credentials tenant = cluster.createTenant("bench",
          new TenantAdmin.TenantSettings(List.of(), List.of(), 100000.0, 100000));
      URI anycast = cluster.anycastUrls().values().iterator().next();
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      // Built like MrgcClient's own client, so both paths use the same HTTP stack with the same settings.
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      byte[] plainBody = JSON.writeValueAsBytes(JSON.createObjectNode().put("model", MODEL)
          .set("input", JSON.createArrayNode().add(SENTENCE)));
      AtomicInteger otherRegion = new AtomicInteger();
      Call plaintext = () -> {
        HttpRequest request = HttpRequest.newBuilder(anycast.resolve("/v1/embeddings"))
            .timeout(MrgcClient.DEFAULT_TIMEOUT)
            .header("content-type", "application/json")
            .header("authorization", "Bearer " + tenant.apiKey())
            .header("x-mrgc-model", MODEL)
            .header("x-mrgc-home-region", HOME)
            .header("x-request-id", UUID.randomUUID().toString())
            .POST(HttpRequest.BodyPublishers.ofByteArray(plainBody))
            .build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
          throw new IllegalStateException("HTTP " + response.statusCode() + ": " + new String(response.body()));
        }
        if (!HOME.equals(response.headers().firstValue("x-mrgc-region").orElse(""))) {
          otherRegion.incrementAndGet();
        }
        checkVector(vector(JSON.readTree(response.body())));
      };

      try (MrgcClient sdk = sdk(anycast, tenant, cluster, DataKeyReuse.defaults())) {
        Call encrypted = () -> checkVector(sdk.embed(MODEL, List.of(SENTENCE)).vectors().get(0));

        // Sanity: both paths give the same vector.
        HttpResponse<byte[]> first = http.send(HttpRequest.newBuilder(anycast.resolve("/v1/embeddings"))
            .header("content-type", "application/json").header("authorization", "Bearer " + tenant.apiKey())
            .header("x-mrgc-model", MODEL).header("x-mrgc-home-region", HOME)
            .POST(HttpRequest.BodyPublishers.ofByteArray(plainBody)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(first.statusCode()).as(new String(first.body())).isEqualTo(200);
        assertThat(sdk.embed(MODEL, List.of(SENTENCE)).vectors().get(0)).containsExactly(vector(JSON.readTree(first.body())));

        // Warm-up (JIT, connections, the reused data key in both us-east-1 enclaves), alternating.
        for (int i = 0; i < 3; i++) {
          requireNoErrors("warm-up plaintext", run(pool, WARMUP_PER_PATH / 3, plaintext));
          requireNoErrors("warm-up encrypted", run(pool, WARMUP_PER_PATH / 3, encrypted));
        }

        Samples plain = new Samples();
        Samples enc = new Samples();
        for (int round = 0; round < ROUNDS; round++) {
          if (round % 2 == 0) {
            plain.add(run(pool, PER_ROUND, plaintext));
            enc.add(run(pool, PER_ROUND, encrypted));
          } else {
            enc.add(run(pool, PER_ROUND, encrypted));
            plain.add(run(pool, PER_ROUND, plaintext));
          }
        }
        long latencyReuseKms = sdk.kmsCalls();

        // KMS calls per request: fresh clients, counted from their first request (includes the first data key).
        KmsRun reuse = kmsRun(pool, cluster, sdk(anycast, tenant, cluster, DataKeyReuse.defaults()),
            KMS_REUSE_REQUESTS);
        KmsRun none = kmsRun(pool, cluster, sdk(anycast, tenant, cluster, DataKeyReuse.none()), KMS_NONE_REQUESTS);
        pool.shutdownNow();

        long homeEnclaves = cluster.agents().keySet().stream().filter(id -> id.contains(HOME)).count();
        String report = report(plain, enc, reuse, none, latencyReuseKms, otherRegion.get(), homeEnclaves,
            (System.nanoTime() - started) / 1e9);
        System.out.println(report);

        assertThat(plain.errors).as("plaintext errors, first: %s", plain.firstError).isZero();
        assertThat(enc.errors).as("encrypted errors, first: %s", enc.firstError).isZero();
        assertThat(reuse.segment.errors()).as("reuse run errors, first: %s", reuse.segment.firstError()).isZero();
        assertThat(none.segment.errors()).as("no-reuse run errors, first: %s", none.segment.firstError()).isZero();
      }
    }
  }

  private record KmsRun(int requests, long tenantCalls, long enclaveCalls, Segment segment) {
    double perRequest() {
      return (tenantCalls + enclaveCalls) / (double) requests;
    }
  }

  private static KmsRun kmsRun(ExecutorService pool, LocalCluster cluster, MrgcClient client, int requests)
      throws Exception {
    try (client) {
      long enclaveBefore = cluster.enclaveKmsCalls();
      Segment s = run(pool, requests, () -> checkVector(client.embed(MODEL, List.of(SENTENCE)).vectors().get(0)));
      long enclaveAfter = cluster.enclaveKmsCalls();
      return new KmsRun(requests, client.kmsCalls(), enclaveAfter - enclaveBefore, s);
    }
  }

  private static MrgcClient sdk(URI anycast, TenantAdmin.Credentials tenant, LocalCluster cluster,
      DataKeyReuse reuse) {
    return MrgcClient.builder().endpoint(anycast).tenant(tenant.tenantId()).apiKey(tenant.apiKey())
        .kmsKeyId(tenant.kmsKeyId()).dataKeySource(cluster.tenantKeySource()).dataKeyReuse(reuse).build();
  }

  /** {@code requests} calls from {@link #THREADS} closed-loop threads; per-request latency in ns. */
  private static Segment run(ExecutorService pool, int requests, Call call) throws Exception {
    long[] nanos = new long[requests];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    AtomicReference<String> firstError = new AtomicReference<>();
    List<Future<?>> workers = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < THREADS; t++) {
      workers.add(pool.submit(() -> {
        for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
          long t0 = System.nanoTime();
          try {
            call.run();
          } catch (Exception e) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, e.toString());
          }
          nanos[i] = System.nanoTime() - t0;
        }
      }));
    }
    for (Future<?> w : workers) {
      w.get();
    }
    return new Segment(nanos, errors.get(), firstError.get(), System.nanoTime() - start);
  }

  private static void requireNoErrors(String what, Segment s) {
    assertThat(s.errors()).as("%s errors, first: %s", what, s.firstError()).isZero();
  }

  private static float[] vector(JsonNode answer) {
    JsonNode values = answer.path("data").path(0).path("embedding");
    float[] vector = new float[values.size()];
    for (int i = 0; i < vector.length; i++) {
      vector[i] = (float) values.get(i).asDouble();
    }
    return vector;
  }

  private static void checkVector(float[] vector) {
    if (vector.length != 384) {
      throw new IllegalStateException("expected 384 floats, got " + vector.length);
    }
  }

  /** Nearest-rank percentile in ms. */
  static double percentileMs(long[] nanos, double p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
  }

  private static String report(Samples plain, Samples enc, KmsRun reuse, KmsRun none, long latencyReuseKms,
      int otherRegion, long homeEnclaves, double seconds) {
    long[] p = plain.all();
    long[] e = enc.all();
    double p50p = percentileMs(p, 50);
    double p99p = percentileMs(p, 99);
    double p50e = percentileMs(e, 50);
    double p99e = percentileMs(e, 99);
    double[] p50Diffs = new double[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
      p50Diffs[r] = enc.roundP50.get(r) - plain.roundP50.get(r);
    }
    Arrays.sort(p50Diffs);
    StringBuilder out = new StringBuilder();
    out.append("\n## EncryptedPathBenchmark\n\n");
    out.append("Command: mvn -B -o -q -pl cluster test -Dgroups=benchmark -DexcludedGroups=none "
        + "-Dtest='EncryptedPathBenchmark'\n\n");
    out.append(fmt("Latency: %d closed-loop threads, one sentence, %d rounds x %d requests per path (ABBA order), "
        + "after %d warm-up requests per path; anycast -> front door -> us-east-1 router -> us-east-1 agents.%n%n",
        THREADS, ROUNDS, PER_ROUND, WARMUP_PER_PATH));
    out.append("| path | requests | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|\n");
    out.append(fmt("| plaintext (JSON, allowPlaintext) | %d | %.1f | %.2f | %.2f | %d |%n", p.length, plain.rps(),
        p50p, p99p, plain.errors));
    out.append(fmt("| encrypted (MrgcClient, data-key reuse on) | %d | %.1f | %.2f | %.2f | %d |%n", e.length,
        enc.rps(), p50e, p99e, enc.errors));
    out.append("\n| encrypted vs plaintext | p50 | p99 |\n|---|---|---|\n");
    out.append(fmt("| added | %+.2f ms | %+.2f ms |%n", p50e - p50p, p99e - p99p));
    out.append(fmt("| ratio | %.2fx | %.2fx |%n", p50e / p50p, p99e / p99p));
    out.append(fmt("%nPer-round p50 difference (encrypted - plaintext): min %+.2f ms, median %+.2f ms, max %+.2f ms."
        + " Plaintext answers from a region other than us-east-1: %d. GenerateDataKey calls of the latency client: "
        + "%d.%n%n", p50Diffs[0], p50Diffs[ROUNDS / 2], p50Diffs[ROUNDS - 1], otherRegion, latencyReuseKms));
    out.append("KMS calls per request (fresh client each, counted from its first request):\n\n");
    out.append("| data-key reuse | requests | tenant GenerateDataKey | enclave Decrypt (Recipient) | KMS calls / request "
        + "| p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|---|---|\n");
    for (KmsRun run : List.of(reuse, none)) {
      out.append(fmt("| %s | %d | %d | %d | %.4f | %.2f | %.2f | %d |%n",
          run == reuse ? "on (defaults: 1000 messages / 5 min)" : "off (DataKeyReuse.none())", run.requests,
          run.tenantCalls, run.enclaveCalls, run.perRequest(), percentileMs(run.segment.nanos(), 50),
          percentileMs(run.segment.nanos(), 99), run.segment.errors()));
    }
    out.append(fmt("%nEnclave side: each enclave asks KMS once per EDK it has not cached; with reuse on that is at most "
        + "tenant data keys x %d us-east-1 enclaves = %d (measured %d).%n", homeEnclaves,
        reuse.tenantCalls * homeEnclaves, reuse.enclaveCalls));
    out.append(fmt("%nMachine: %d processors seen by the JVM, Java %s, %s %s. Whole benchmark: %.0f s.%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), System.getProperty("os.name"),
        System.getProperty("os.arch"), seconds));
    return out.toString();
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
