package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.agent.NodeAgent;
import io.mrgc.agent.enclave.LocalEnclave;
import io.mrgc.agent.wash.ArrivalLog;
import io.mrgc.router.RouterOptions;
import io.mrgc.state.CleanupValidationRepository;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.items.CleanupValidationItem;
import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.tenant.MrgcClient;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4's acceptance through the whole local cluster: encrypted requests from the tenant SDK through the front
 * door; every request is washed and recorded; no request reaches an instance that is washing or quarantined (from
 * the agents' own arrival logs); a corrupted model byte quarantines its instance within the documented number of
 * requests and the router never sends there again until an SRE releases it; a killed enclave is restarted,
 * re-attested (its first KMS decrypt) and the instance serves again.
 */
class ClusterCarWashTest {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final String HOME = "us-east-1"; // the front door's default home region
  @TempDir
  static Path stateDir;
  private static LocalCluster cluster;
  private static MrgcClient sdk;
  /** One client per tenant for the bursts: an instance serves one tenant at a time, so several tenants use them all. */
  private static final List<MrgcClient> tenants = new ArrayList<>();
  private static GpuInstanceRepository instances;
  private static CleanupValidationRepository washes;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(LocalClusterOptions.ephemeral(stateDir));
    cluster.awaitServing(Duration.ofSeconds(60));
    TenantAdmin.Credentials tenant = cluster.createTenant("washed",
        new TenantAdmin.TenantSettings(List.of(), List.of(), 10_000.0, 10_000));
    URI anycast = cluster.anycastUrls().values().iterator().next();
    sdk = MrgcClient.builder().endpoint(anycast).tenant(tenant.tenantId()).apiKey(tenant.apiKey())
        .kmsKeyId(tenant.kmsKeyId()).dataKeySource(cluster.tenantKeySource()).build();
    for (int i = 0; i < 4; i++) {
      TenantAdmin.Credentials other = cluster.createTenant("washed-" + i,
          new TenantAdmin.TenantSettings(List.of(), List.of(), 10_000.0, 10_000));
      tenants.add(MrgcClient.builder().endpoint(anycast).tenant(other.tenantId()).apiKey(other.apiKey())
          .kmsKeyId(other.kmsKeyId()).dataKeySource(cluster.tenantKeySource()).build());
    }
    var admin = cluster.stateClient(HOME);
    instances = new GpuInstanceRepository(admin);
    washes = new CleanupValidationRepository(admin);
  }

  @AfterAll
  static void stop() {
    sdk.close();
    tenants.forEach(MrgcClient::close);
    cluster.close();
  }

  @Test
  void underLoadEveryRequestIsWashedAndRecordedAndNoneReachesAnInstanceThatIsNotReady() throws Exception {
    long since = System.currentTimeMillis();
    int threads = 6;
    int perThread = 25;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<Integer>> results = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      results.add(pool.submit(() -> {
        int ok = 0;
        for (int i = 0; i < perThread; i++) {
          List<float[]> vectors = sdk.embed(MODEL, List.of("request " + thread + "-" + i)).vectors();
          ok += vectors.get(0).length == 384 ? 1 : 0;
        }
        return ok;
      }));
    }
    int ok = 0;
    for (Future<Integer> result : results) {
      ok += result.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(ok).isEqualTo(threads * perThread);

    int arrived = 0;
    for (NodeAgent agent : cluster.agents().values()) {
      List<ArrivalLog.Arrival> mine = agent.arrivals().stream().filter(a -> a.atMillis() >= since).toList();
      assertThat(mine).as("arrivals at %s", agent.instanceId())
          .allSatisfy(a -> {
            assertThat(a.refused()).as("refused %s", a).isFalse();
            // READY (clean), BUSY (its tenant's turn) or WASHING between tenants: never an instance-level state
            assertThat(a.state()).as("state found by %s", a.requestId())
                .isIn(InstanceState.READY, InstanceState.BUSY, InstanceState.WASHING);
          });
      // The agent writes its rows through an outbox, after the answers: the last ones may still be on their way.
      List<String> served = mine.stream().map(ArrivalLog.Arrival::requestId).toList();
      Set<String> recorded = Set.of();
      for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15); ; Thread.sleep(200)) {
        recorded = washes.listRecent(agent.instanceId(), 1000).join().stream()
            .map(CleanupValidationItem::getRequestId).collect(Collectors.toSet());
        if (recorded.containsAll(served) || System.nanoTime() > deadline) {
          break;
        }
      }
      assertThat(recorded).as("cleanup_validation rows of %s", agent.instanceId()).containsAll(served);
      arrived += mine.size();
    }
    assertThat(arrived).as("every request arrived exactly once somewhere").isEqualTo(threads * perThread);

    NodeAgent busiest = cluster.agents().values().stream()
        .max((a, b) -> Long.compare(a.arrivals().size(), b.arrivals().size())).orElseThrow();
    MrgcRun history = MrgcRun.against(cluster.dynamoDb().endpoint(), "instance", "history",
        busiest.instanceId(), "--limit", "5");
    assertThat(history.out()).as(history.err()).contains("PASSED").doesNotContain("FAILED");
  }

  @Test
  void aCorruptedModelByteQuarantinesTheInstanceWhichGetsNoRequestUntilReleased() throws Exception {
    Path modelRoot = copyOfModels(stateDir.resolve("models-of-i-corrupted"));
    NodeAgent agent = cluster.addAgent(HOME, "i-corrupted", modelRoot).await(60, TimeUnit.SECONDS);
    try {
      waitFor("the new instance to be routable", () -> isServing("i-corrupted"));
      Path onnx = modelRoot.resolve(MODEL).resolve("1").resolve("model.onnx");
      long offset = Files.size(onnx) / 2;
      flipByte(onnx, offset);

      int arrivalsAtCorruption = agent.arrivals().size();
      long roundsAtCorruption = agent.backgroundRounds();
      int bound = agent.integrityCoverageBound();
      // Concurrent load of four tenants: an instance serves one tenant at a time, so with every other instance
      // serving another tenant the router also picks the new one, slow start or not.
      int sent = 0;
      while (agent.state() != InstanceState.QUARANTINED) {
        assertThat(sent).as("requests sent without the instance being quarantined (%d reached it, bound %d)",
            agent.arrivals().size() - arrivalsAtCorruption, bound).isLessThan(bound * 60);
        sent += burst(4, 5);
      }
      long roundsAfterCorruption = agent.backgroundRounds() - roundsAtCorruption;
      assertThat(roundsAfterCorruption).as("background rounds after the corruption (coverage bound %d; one may have "
          + "been under way)", bound).isBetween(1L, bound + 1L);
      GpuInstanceItem row = instances.findById("i-corrupted").join();
      assertThat(row.getState()).isEqualTo("QUARANTINED");
      assertThat(row.getStateReason()).contains("model-integrity");

      // Quarantined by a background round, not by a request: the routers learn it from the row at their next
      // snapshot (the agent writes it at once), so give them a few snapshot intervals before counting.
      Thread.sleep(2 * RouterOptions.DEFAULT_SNAPSHOT_INTERVAL.toMillis());
      int arrivalsAtQuarantine = agent.arrivals().size();
      burst(4, 10);
      assertThat(agent.arrivals().size()).as("requests (even refused ones) that reached the quarantined instance")
          .isEqualTo(arrivalsAtQuarantine);
      assertThat(MrgcRun.against(cluster.dynamoDb().endpoint(), "status").out())
          .containsPattern("i-corrupted +QUARANTINED +model-integrity");

      flipByte(onnx, offset); // the fix: the file is as its manifest says again
      MrgcRun release = MrgcRun.against(cluster.dynamoDb().endpoint(), "instance", "release", "i-corrupted",
          "--reason", "restored model.onnx");
      assertThat(release.exit()).as(release.err()).isZero();
      waitFor("the released instance to be READY", () -> agent.state() == InstanceState.READY
          && isServing("i-corrupted"));
      waitFor("the released instance to serve again", () -> {
        sdk.embed(MODEL, List.of("welcome back"));
        return agent.arrivals().size() > arrivalsAtQuarantine;
      });
    } finally {
      cluster.stopAgent("i-corrupted").await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aKilledEnclaveIsRestartedAndReattestedAndItsInstanceServesAgain() throws Exception {
    NodeAgent agent = cluster.addAgent(HOME, "i-enclave-killed").await(60, TimeUnit.SECONDS);
    try {
      waitFor("the new instance to be routable", () -> isServing("i-enclave-killed"));
      LocalEnclave enclave = cluster.enclave("i-enclave-killed");
      enclave.stop(); // its keys and sessions are gone, as when the enclave dies

      // The background checks find it within a round and the restart takes tens of ms: wait for its record, not for
      // a WASHING state a poll may never see.
      waitFor("the enclave restart's instance-level wash", () -> agent.recentWashes().stream()
          .anyMatch(wash -> wash.requestId().startsWith("scheduled-enclave-restart-") && wash.isPassed()));
      waitFor("the instance to be READY again", () -> agent.state() == InstanceState.READY
          && isServing("i-enclave-killed"));
      assertThat(enclave.kmsCalls()).as("KMS decrypts of the new enclave (its canary proof, a fresh attestation)")
          .isGreaterThanOrEqualTo(1);
      assertThat(agent.recentWashes()).anySatisfy(wash -> assertThat(wash.steps())
          .anySatisfy(step -> assertThat(step.name() + " " + step.outcome()).isEqualTo("enclave-restart PASSED")));

      int before = agent.arrivals().size();
      waitFor("the instance to serve encrypted requests again", () -> {
        sdk.embed(MODEL, List.of("after the restart"));
        return agent.arrivals().size() > before;
      });
    } finally {
      cluster.stopAgent("i-enclave-killed").await(30, TimeUnit.SECONDS);
    }
  }

  /**
   * {@code threads} x {@code each} encrypted requests at once, thread t as tenant t (of 4); all must succeed.
   * Returns how many were sent.
   */
  private static int burst(int threads, int each) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        MrgcClient client = tenants.get(t % tenants.size());
        running.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            assertThat(client.embed(MODEL, List.of("burst " + i)).vectors().get(0)).hasSize(384);
          }
          return null;
        }));
      }
      for (Future<?> f : running) {
        f.get(60, TimeUnit.SECONDS);
      }
      return threads * each;
    } finally {
      pool.shutdownNow();
    }
  }

  private static boolean isServing(String instanceId) {
    GpuInstanceItem row = instances.findById(instanceId).join();
    return row != null && "READY".equals(row.getState()) && row.getHealth() > 0;
  }

  private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static Path copyOfModels(Path target) {
    Path source = cluster.modelRoot();
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : files.toList()) {
        Path copy = target.resolve(source.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(file, copy);
        }
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void flipByte(Path file, long offset) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      int b = raf.read();
      raf.seek(offset);
      raf.write(b ^ 0x01);
    }
  }
}
