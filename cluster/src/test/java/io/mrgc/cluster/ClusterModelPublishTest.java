package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.agent.ModelInstaller;
import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.cluster.models.ModelDirs;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.ModelRegistry;
import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.state.items.ModelItem;
import io.mrgc.tenant.MrgcClient;
import io.mrgc.tenant.MrgcException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's acceptance: a second model published into a running cluster (`mrgc model publish`) is served by every
 * agent without a restart and without a failed request of the first model under steady load; tenants' allowlists hold
 * for it; once retired its requests get 404; a published version with a corrupted file is refused at load (never
 * advertised) while the instances keep serving their other models.
 */
class ClusterModelPublishTest {
  private static final String FIRST = ModelInstaller.MINILM_MODEL;
  private static final String SECOND = "minilm-q-published";
  private static final String CORRUPT = "minilm-corrupt";
  private static final Duration SERVED_WITHIN = Duration.ofSeconds(90);

  @TempDir
  static Path stateDir;
  @TempDir
  static Path sources;
  private static LocalCluster cluster;
  private static MrgcClient anyModel;
  private static MrgcClient firstOnly;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(LocalClusterOptions.ephemeral(stateDir));
    cluster.awaitServing(Duration.ofSeconds(60));
    anyModel = client(cluster.createTenant("any-model", new TenantAdmin.TenantSettings(List.of(), List.of(),
        10_000.0, 10_000)));
    firstOnly = client(cluster.createTenant("first-only", new TenantAdmin.TenantSettings(List.of(FIRST), List.of(),
        10_000.0, 10_000)));
  }

  @AfterAll
  static void stop() {
    anyModel.close();
    firstOnly.close();
    cluster.close();
  }

  @Test
  void publishServeRetireAndRefuseACorruptVersionUnderSteadyLoad() throws Exception {
    Path second = modelSource(SECOND);
    try (SteadyLoad load = new SteadyLoad(anyModel, FIRST, 2)) {
      MrgcRun published = model("publish", second.toString(), "--name", SECOND, "--wait-served=" + SERVED_WITHIN
          .toSeconds() + "s");
      assertThat(published.exit()).as(published.out() + published.err()).isZero();
      assertThat(published.out()).contains("published " + SECOND + ":1 AVAILABLE").contains("served by 6/6");
      assertThat(servingAgents(SECOND)).as("every agent serves it, none restarted")
          .isEqualTo(cluster.agents().size());

      float[] vector = anyModel.embed(SECOND, List.of("a new model")).vectors().get(0);
      assertThat(vector).hasSize(384);
      assertThatThrownBy(() -> firstOnly.embed(SECOND, List.of("not mine")))
          .isInstanceOfSatisfying(MrgcException.class, e -> assertThat(e.code()).isEqualTo("model_not_allowed"));

      // A version whose copy in the store is corrupted (as a bad import would leave it): never advertised.
      writeCorruptVersion(CORRUPT);
      awaitTrue(() -> cluster.agents().values().stream()
          .allMatch(agent -> agent.modelRefusals().keySet().stream().anyMatch(k -> k.startsWith(CORRUPT + ":"))),
          "every agent refused the corrupted version");
      assertThat(servingAgents(CORRUPT)).isZero();
      awaitTrue(() -> new GpuInstanceRepository(cluster.stateClient(cluster.regions().get(0))).listAll().join()
          .stream().filter(row -> cluster.agents().containsKey(row.getInstanceId()))
          .allMatch(row -> row.getRefusedModels().contains(CORRUPT + ":1")),
          "every agent's heartbeat says it refused " + CORRUPT + ":1 (mrgc model show lists them)");
      assertThat(anyModel.embed(FIRST, List.of("still served")).vectors().get(0)).hasSize(384);

      MrgcRun retired = model("retire", SECOND, "--version", "1", "--reason", "test over");
      assertThat(retired.exit()).as(retired.out() + retired.err()).isZero();
      // Each agent polls the registry on its own: the region answering 404 may be ahead of the others.
      awaitTrue(() -> notFound(SECOND), SECOND + " answered 404 once retired");
      awaitTrue(() -> servingAgents(SECOND) == 0, "no agent advertises " + SECOND + " once retired");

      assertThat(load.ok.get()).as("steady load ran").isPositive();
      assertThat(load.errors.get()).as("no failed request of %s (first: %s)", FIRST, load.firstError).isZero();
    }
  }

  private static boolean notFound(String model) {
    try {
      anyModel.embed(model, List.of("retired?"));
      return false;
    } catch (MrgcException e) {
      return e.status() == 404 && "model_not_found".equals(e.code());
    }
  }

  /** Agents whose gpu_instances row lists {@code model} (what routers route by). */
  private static long servingAgents(String model) {
    GpuInstanceRepository rows = new GpuInstanceRepository(cluster.stateClient(cluster.regions().get(0)));
    List<GpuInstanceItem> all = rows.listAll().join();
    return all.stream().filter(row -> cluster.agents().containsKey(row.getInstanceId()))
        .filter(row -> row.getModels().contains(model)).count();
  }

  private static MrgcRun model(String... args) {
    String[] all = Stream.concat(Stream.of("model"), Stream.of(args)).toArray(String[]::new);
    if ("publish".equals(args[0])) {
      all = Stream.concat(Stream.of(all), Stream.of("--model-root", cluster.modelRoot().toString()))
          .toArray(String[]::new);
    }
    return MrgcRun.against(cluster.dynamoDb().endpoint(), all);
  }

  /** The quantized MiniLM as a model directory named {@code name} (Triton layout, no manifest: publish writes it). */
  private static Path modelSource(String name) throws IOException {
    return ModelDirs.named(sources, name);
  }

  /** A store directory and an AVAILABLE registry row for it, then one byte of its model.onnx flipped. */
  private static void writeCorruptVersion(String name) throws Exception {
    Path source = modelSource(name);
    Path store = cluster.modelRoot().resolve(name + "@1");
    Files.createDirectories(store.resolve("1"));
    for (String file : List.of("config.pbtxt", "1/model.onnx", "1/tokenizer.json")) {
      Files.copy(source.resolve(file), store.resolve(file));
    }
    Manifest manifest = Manifest.compute(store);
    byte[] manifestBytes = manifest.render().getBytes(StandardCharsets.UTF_8);
    Files.write(store.resolve(Manifest.FILE_NAME), manifestBytes);
    try (var channel = Files.newByteChannel(store.resolve("1/model.onnx"), StandardOpenOption.WRITE,
        StandardOpenOption.READ)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.position(4096).read(one);
      one.put(0, (byte) (one.get(0) ^ 0x5a)).rewind();
      channel.position(4096).write(one);
    }
    ModelRegistry registry = new ModelRegistry(cluster.stateClient(cluster.regions().get(0)));
    ModelItem row = new ModelItem();
    row.setName(name);
    row.setVersion(1);
    row.setStorePath(name + "@1");
    row.setManifestSha256(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(manifestBytes)));
    row.setSizeBytes(Files.size(store.resolve("1/model.onnx")));
    row.setPublishedBy("test");
    row.setPublishedAt(System.currentTimeMillis());
    registry.beginPublish(row).join();
    registry.markAvailable(name, 1, System.currentTimeMillis()).join();
  }

  private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + SERVED_WITHIN.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + SERVED_WITHIN + ": " + what);
      }
      Thread.sleep(200);
    }
  }

  private static MrgcClient client(TenantAdmin.Credentials tenant) {
    URI anycast = cluster.anycastUrls().values().iterator().next();
    return MrgcClient.builder().endpoint(anycast).tenant(tenant.tenantId()).apiKey(tenant.apiKey())
        .kmsKeyId(tenant.kmsKeyId()).dataKeySource(cluster.tenantKeySource()).build();
  }
}
