package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.await;
import static io.mrgc.agent.AgentFixture.awaitRow;
import static io.mrgc.agent.AgentFixture.eventually;
import static io.mrgc.agent.AgentFixture.postJson;
import static io.mrgc.agent.PublishedVersions.layOut;
import static io.mrgc.agent.PublishedVersions.publish;
import static io.mrgc.agent.PublishedVersions.row;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.ModelRegistry;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.state.items.ModelItem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agents follow the model registry without a restart: a new AVAILABLE model or version is served once loaded and
 * warmed up, a retired one leaves after its requests in flight, a corrupt or oversized version is refused while the
 * other models keep serving. Names are unique per test (the registry is shared by every agent of this JVM) and
 * retired afterwards.
 */
@ExtendWith(VertxExtension.class)
class ModelRegistryWatchTest {
  private static final Duration POLL = Duration.ofMillis(100);
  @TempDir
  static Path installs;
  private static Path quantized;
  private static StateClient state;
  private static ModelRegistry registry;
  private static GpuInstanceRepository rows;
  private static WebClient web;
  private final List<String> published = new ArrayList<>();
  private final String suffix = Long.toString(System.nanoTime(), 36);
  @TempDir
  Path root;
  private NodeAgent agent;

  @BeforeAll
  static void setUp(Vertx vertx) {
    quantized = ModelInstaller.install(installs, ModelInstaller.MINILM_QUANTIZED);
    state = AgentFixture.stateClient();
    registry = new ModelRegistry(state);
    rows = new GpuInstanceRepository(state);
    web = AgentFixture.client(vertx);
  }

  @AfterAll
  static void tearDown() {
    web.close();
    state.close();
  }

  @AfterEach
  void stopAgent(Vertx vertx) {
    if (agent != null && agent.deploymentID() != null) {
      await(vertx.undeploy(agent.deploymentID()));
    }
    PublishedVersions.retireAll(registry, published);
  }

  /** A model name of this test. */
  private String name(String base) {
    String name = base + "-" + suffix;
    published.add(name);
    return name;
  }

  /** Lays out {@code name:version} from the quantized MiniLM and writes its row AVAILABLE. */
  private ModelItem publishVersion(String name, long version) {
    return publish(registry, row(root, layOut(root, quantized, name, version), name, version));
  }

  private NodeAgent start(Vertx vertx, String instanceId, UnaryOperator<NodeAgentOptions.Builder> tune) {
    agent = AgentFixture.start(vertx, state, instanceId, root, b -> tune.apply(b.modelPollInterval(POLL)));
    return agent;
  }

  private static Future<HttpResponse<Buffer>> embed(NodeAgent agent, String model, Object input) {
    return postJson(web, agent, "/v1/embeddings", new JsonObject().put("model", model).put("input", input));
  }

  private static void assertServes(NodeAgent agent, String model) {
    HttpResponse<Buffer> response = await(embed(agent, model, "is it served"));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getJsonArray("embedding"))
        .hasSize(384);
  }

  private static void assertNotFound(NodeAgent agent, String model) {
    HttpResponse<Buffer> response = await(embed(agent, model, "is it served"));
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("model_not_found");
  }

  private static GpuInstanceItem awaitModels(NodeAgent agent, List<String> models) {
    return awaitRow(rows, agent.instanceId(), row -> row.getModels() != null
        && row.getModels().stream().sorted().toList().equals(models.stream().sorted().toList()));
  }

  @Test
  void aPublishedModelIsServedWithoutARestartWhileTheFirstKeepsServingUnderLoad(Vertx vertx) throws Exception {
    String a = name("hot-a");
    String b = name("hot-b");
    PublishedVersions.layOutUnregistered(root, quantized, a);
    start(vertx, "i-hot-add", o -> o);
    awaitModels(agent, List.of(a));
    SteadyLoad load = new SteadyLoad(web, agent, a, 2);

    publishVersion(b, 1);
    awaitModels(agent, List.of(a, b));
    assertServes(agent, b);
    eventually("the steady load keeps being answered", () -> load.answered() > 20);

    assertThat(load.stop()).as("requests of the first model while the second was loaded").isEmpty();
    assertThat(agent.modelLoads()).extracting(t -> t.name() + ":" + t.version()).containsExactly(a + ":1", b + ":1");
    assertThat(agent.modelLoads().get(1)).satisfies(t -> {
      assertThat(t.bytes()).isEqualTo(registry.get(b, 1).join().getSizeBytes());
      assertThat(List.of(t.readNanos(), t.verifyNanos(), t.sessionNanos(), t.warmUpNanos())).allMatch(n -> n > 0);
    });
  }

  @Test
  void aNewerVersionReplacesTheServedOneWithoutAFailedRequest(Vertx vertx) throws Exception {
    String b = name("upgrade-b");
    publishVersion(b, 1);
    start(vertx, "i-upgrade", o -> o);
    assertThat(servedVersion(b)).isEqualTo("1");
    SteadyLoad load = new SteadyLoad(web, agent, b, 3);

    publishVersion(b, 2);
    eventually(b + " version 2 served", () -> "2".equals(servedVersion(b)));
    int answeredAtUpgrade = load.answered();
    eventually("requests answered by version 2", () -> load.answered() > answeredAtUpgrade + 20);

    assertThat(load.stop()).as("requests while version 2 replaced version 1").isEmpty();
    awaitModels(agent, List.of(b));
  }

  private String servedVersion(String model) {
    HttpResponse<Buffer> metadata = await(web.get(agent.actualPort(), "127.0.0.1", "/v2/models/" + model).send());
    return metadata.statusCode() == 200 ? metadata.bodyAsJsonObject().getJsonArray("versions").getString(0) : null;
  }

  @Test
  void aRetiredModelAnswersTheRequestsAlreadyInFlightThenIsNotFoundAndLeavesTheRow(Vertx vertx) {
    String a = name("retire-a");
    String b = name("retire-b");
    publishVersion(a, 1);
    publishVersion(b, 1);
    start(vertx, "i-retire", o -> o);
    awaitModels(agent, List.of(a, b));

    // Many large requests: the model's thread works through them for a while after the retire is seen.
    int requests = 24;
    AtomicInteger answered = new AtomicInteger();
    List<Future<HttpResponse<Buffer>>> inFlight = new ArrayList<>();
    for (int r = 0; r < requests; r++) {
      JsonArray inputs = new JsonArray();
      for (int i = 0; i < 100; i++) {
        inputs.add("request " + r + " input " + i + ": a sentence long enough to cost the model some work to embed");
      }
      inFlight.add(embed(agent, b, inputs).onSuccess(response -> answered.incrementAndGet()));
    }
    eventually("the model works on the requests", () -> agent.admission().inFlight() > 0);
    PublishedVersions.retire(registry, b, 1);
    eventually(b + " leaves the served models", () -> !agent.servedModels().contains(b));
    int answeredAtRemoval = answered.get();

    for (Future<HttpResponse<Buffer>> request : inFlight) {
      HttpResponse<Buffer> response = await(request);
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      assertThat(response.bodyAsJsonObject().getJsonArray("data")).hasSize(100);
    }
    assertThat(answeredAtRemoval).as("requests still in flight when the model was removed").isLessThan(requests);
    assertNotFound(agent, b);
    awaitModels(agent, List.of(a));
    assertServes(agent, a);
  }

  @Test
  void aCorruptVersionOrAManifestUnlikeTheRegistrysIsRefusedOnceNeverAdvertisedAndTheOthersKeepServing(Vertx vertx) {
    String a = name("corrupt-a");
    String b = name("corrupt-b");
    String c = name("corrupt-c");
    publishVersion(a, 1);
    start(vertx, "i-corrupt", o -> o);
    awaitModels(agent, List.of(a));

    Path bDir = layOut(root, quantized, b, 1);
    ModelItem bRow = row(root, bDir, b, 1);
    PublishedVersions.flipByte(bDir.resolve("1/model.onnx"), 5000);
    publish(registry, bRow);
    ModelItem cRow = row(root, layOut(root, quantized, c, 1), c, 1);
    cRow.setManifestSha256("0".repeat(64));
    publish(registry, cRow);

    eventually("both refused", () -> agent.modelRefusals().size() == 2);
    assertThat(agent.modelRefusals().get(b + ":1")).contains("sha256 mismatch for 1/model.onnx");
    assertThat(agent.modelRefusals().get(c + ":1"))
        .startsWith("manifest.sha256 of " + c + ":1 on the model store differs from the registry's");
    AgentFixture.sleep(10 * POLL.toMillis()); // more polls: neither is tried again
    assertThat(agent.metrics().scrape()).contains("mrgc_agent_model_load_refused_total 2.0");
    assertThat(agent.servedModels()).containsExactly(a);
    assertThat(rows.get(AgentFixture.REGION, agent.instanceId()).join().getModels()).containsExactly(a);
    assertServes(agent, a);
    assertNotFound(agent, b);
  }

  @Test
  void aModelBeyondTheMemoryBudgetIsRefusedSayingWhyAndLoadsOnceRetiringAnotherFreesTheBudget(Vertx vertx) {
    String a = name("budget-a");
    String b = name("budget-b");
    long footprint = publishVersion(a, 1).getSizeBytes();
    start(vertx, "i-budget", o -> o.modelMemoryBudgetBytes(footprint + footprint / 2));
    awaitModels(agent, List.of(a));

    publishVersion(b, 1);
    eventually(b + " refused", () -> agent.modelRefusals().containsKey(b + ":1"));
    assertThat(agent.modelRefusals().get(b + ":1"))
        .startsWith("model " + b + ":1 needs ")
        .contains(" MiB but the budget (models.memoryBudget) has ")
        .contains(" MiB free (loaded: " + a + ":1 ")
        .endsWith("); retire a model or raise models.memoryBudget");
    assertThat(agent.servedModels()).containsExactly(a);

    PublishedVersions.retire(registry, a, 1);
    awaitModels(agent, List.of(b));
    assertServes(agent, b);
    assertNotFound(agent, a);
    assertThat(agent.modelRefusals()).doesNotContainKey(b + ":1");
  }

  @Test
  void atStartAModelRetiredInTheRegistryIsNotLoadedFromItsDirectoryButAnUnregisteredOneAndAPublishedOneAre(
      Vertx vertx) throws Exception {
    String retired = name("start-retired");
    String unregistered = name("start-free");
    String available = name("start-published");
    Path retiredDir = PublishedVersions.layOutUnregistered(root, quantized, retired);
    registry.beginPublish(row(root, retiredDir, retired, 1)).join();
    PublishedVersions.retire(registry, retired, 1);
    PublishedVersions.layOutUnregistered(root, quantized, unregistered);
    publishVersion(available, 1);
    Files.createDirectories(root.resolve(".staging/upload-1"));

    start(vertx, "i-start", o -> o);
    assertThat(agent.servedModels()).containsExactlyInAnyOrder(available, unregistered);
    awaitModels(agent, List.of(available, unregistered));
    assertServes(agent, available);
    assertServes(agent, unregistered);
    assertNotFound(agent, retired);
    assertThat(agent.modelRefusals()).isEmpty();
  }
}
