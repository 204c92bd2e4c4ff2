package io.mrgc.router;

import static io.mrgc.router.FakeAgent.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.common.net.RawConnection;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.ModelCatalog;
import io.mrgc.state.ModelRegistry;
import io.mrgc.state.StateClient;
import io.mrgc.state.Tables;
import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.state.items.ModelItem;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Routing by model: the router picks only among instances that advertise the requested model, and answers a model no
 * instance of its region advertises from the model registry, before reading the body: 503 model_loading while the
 * registry has it AVAILABLE or PUBLISHING, 404 model_not_found when it is retired or unknown, 503 no_capacity while it
 * has never read the registry. Each test has its own region and its own model names (the models table is global).
 */
@ExtendWith(VertxExtension.class)
class ModelRoutingTest {
  private static final AtomicInteger TESTS = new AtomicInteger();
  private static LocalState state;
  private static StateClient client;
  private static GpuInstanceRepository instances;
  private static ModelRegistry registry;
  private static String key;
  private Vertx vertx;
  private WebClient web;
  private NetClient net;
  private String region;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-east-1");
    instances = new GpuInstanceRepository(client);
    registry = new ModelRegistry(client);
    key = Tenants.create(client, "t-models", tenant -> tenant.setDebugHeaders(true));
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    web = WebClient.create(vertx);
    net = vertx.createNetClient();
    region = "test-models-" + TESTS.incrementAndGet();
  }

  @AfterEach
  void tearDown() {
    web.close();
    await(net.close());
  }

  private RouterVerticle deploy() {
    RouterVerticle router = new RouterVerticle(RouterOptions.defaults(region, "router-1")
        .withHeartbeatStaleAfter(Duration.ofMinutes(5)).withSnapshotInterval(Duration.ofMillis(100))
        .withModelRegistryInterval(Duration.ofMillis(100)).withAllowPlaintext(true), client);
    await(vertx.deployVerticle(router));
    return router;
  }

  /** A fake agent registered in this test's region, advertising {@code models}. */
  private FakeAgent agent(String id, String... models) {
    FakeAgent agent = FakeAgent.start(vertx, id);
    advertise(agent, models);
    return agent;
  }

  private void advertise(FakeAgent agent, String... models) {
    GpuInstanceItem row = agent.row(region, 0);
    row.setModels(List.of(models));
    GpuInstanceItem current = instances.get(region, agent.id).join();
    if (current != null) {
      row.setVersion(current.getVersion());
    }
    instances.put(row).join();
  }

  private static void publish(String name) {
    ModelItem item = new ModelItem();
    item.setName(name);
    item.setVersion(1);
    item.setStorePath(name + "@1");
    item.setManifestSha256("0".repeat(64));
    item.setPublishedBy("test");
    item.setPublishedAt(System.currentTimeMillis());
    registry.beginPublish(item).join();
  }

  private static void publishAvailable(String name) {
    publish(name);
    registry.markAvailable(name, 1, System.currentTimeMillis()).join();
  }

  /** Publishes {@code model} AVAILABLE, then {@link #deploySeeing} it. */
  private RouterVerticle deployWithAvailable(String model) {
    publishAvailable(model);
    return deploySeeing(model, ModelCatalog.Status.AVAILABLE);
  }

  /** A router of this test's region, once its registry view has {@code model} in {@code status}. */
  private RouterVerticle deploySeeing(String model, ModelCatalog.Status status) {
    RouterVerticle router = deploy();
    waitUntil(() -> router.modelCatalog() != null && router.modelCatalog().status(model) == status);
    return router;
  }

  private HttpResponse<Buffer> infer(RouterVerticle router, String model) {
    return await(web.post(router.actualPort(), "127.0.0.1", "/v2/models/" + model + "/infer")
        .putHeader("authorization", Tenants.bearer(key)).sendBuffer(Buffer.buffer("{\"inputs\":[]}")));
  }

  private static JsonObject error(HttpResponse<Buffer> response) {
    return response.bodyAsJsonObject().getJsonObject("error");
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String code) {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(error(response).getString("code")).isEqualTo(code);
  }

  @Test
  void everyRequestForAModelLandsOnAnInstanceThatAdvertisesIt() {
    agent("i-a", "m1");
    agent("i-b", "m1", "m2");
    agent("i-c", "m2");
    RouterVerticle router = deploy();
    Map<String, Integer> m2 = new HashMap<>();
    Map<String, Integer> m1 = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      HttpResponse<Buffer> served = infer(router, "m2");
      assertThat(served.statusCode()).isEqualTo(200);
      assertThat(served.getHeader("x-seen-model")).isEqualTo("m2");
      m2.merge(served.getHeader("x-agent"), 1, Integer::sum);
      m1.merge(infer(router, "m1").getHeader("x-agent"), 1, Integer::sum);
    }
    assertThat(m2.keySet()).containsOnly("i-b", "i-c");
    assertThat(m1.keySet()).containsOnly("i-a", "i-b");
    assertThat(router.metrics().dispatches("i-c")).isEqualTo(m2.get("i-c").doubleValue());
  }

  @Test
  void anAvailableModelNoInstanceAdvertisesYetGets503ModelLoadingBeforeItsBodyIsRead() {
    String model = "loading-" + region;
    FakeAgent agent = agent("i-loading", "m1");
    RouterVerticle router = deployWithAvailable(model);

    // A head announcing a large body, and only a few of its bytes: answered at once, nothing buffered.
    RawConnection raw = await(RawConnection.open(vertx, net, router.actualPort()));
    raw.socket().write("POST /v2/models/" + model + "/infer HTTP/1.1\r\nHost: router\r\nAuthorization: Bearer " + key
        + "\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{\"in");
    String wire = await(raw.closed());
    assertThat(wire).startsWith("HTTP/1.1 503").containsIgnoringCase("retry-after: 2")
        .containsIgnoringCase("connection: close").contains("\"code\":\"model_loading\"")
        .contains("model " + model + " is being loaded by the instances of region " + region);
    assertThat(router.bufferedBodyBytes(null)).isZero();

    HttpResponse<Buffer> metadata = await(web.get(router.actualPort(), "127.0.0.1", "/v2/models/" + model)
        .putHeader("authorization", Tenants.bearer(key)).send());
    assertError(metadata, 503, "model_loading");
    assertThat(metadata.getHeader("retry-after")).isEqualTo("2");
    assertThat(agent.requests.get()).as("no instance got either request").isZero();
    assertThat(router.metrics().rejections("model_loading")).isEqualTo(2.0);
  }

  @Test
  void anAvailableModelEveryInstanceRefusedGets503UnavailableNotLoading() {
    String model = "refused-" + region;
    FakeAgent refusing = agent("i-refusing", "m1");
    FakeAgent loading = agent("i-still-loading", "m1");
    GpuInstanceItem row = instances.get(region, refusing.id).join();
    row.setRefusedModels(List.of(model + ":1"));
    instances.put(row).join();
    RouterVerticle router = deployWithAvailable(model);
    assertError(infer(router, model), 503, "model_loading"); // one instance may still load it

    row = instances.get(region, loading.id).join();
    row.setRefusedModels(List.of(model + ":1"));
    instances.put(row).join();
    waitUntil(() -> "unavailable".equals(error(infer(router, model)).getString("code")));
    HttpResponse<Buffer> refused = infer(router, model);
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(error(refused).getString("message")).isEqualTo("model " + model + " is published but every instance "
        + "of region " + region + " refused to load it; the operators are told (mrgc model show)");
    assertThat(refused.getHeader("retry-after")).isEqualTo("60");
    assertThat(refusing.requests.get() + loading.requests.get()).as("no instance got a request").isZero();
  }

  @Test
  void aModelBeingPublishedGets503ModelLoading() {
    String model = "publishing-" + region;
    publish(model);
    agent("i-publishing", "m1");
    RouterVerticle router = deploySeeing(model, ModelCatalog.Status.PUBLISHING);
    HttpResponse<Buffer> response = infer(router, model);
    assertError(response, 503, "model_loading");
    assertThat(response.getHeader("retry-after")).isEqualTo("2");
    assertThat(error(response).getString("message")).contains("model " + model + " is being published");
  }

  @Test
  void aRetiredOrUnknownModelGets404ModelNotFound() {
    String retired = "retired-" + region;
    publishAvailable(retired);
    registry.retire(retired, 1, "replaced", System.currentTimeMillis()).join();
    FakeAgent agent = agent("i-404", "m1");
    RouterVerticle router = deploySeeing(retired, ModelCatalog.Status.RETIRED);

    HttpResponse<Buffer> gone = infer(router, retired);
    assertError(gone, 404, "model_not_found");
    assertThat(gone.getHeader("retry-after")).isNull();
    assertThat(error(gone).getString("message")).contains("model " + retired + " is not served: it was retired");
    HttpResponse<Buffer> unknown = infer(router, "never-published");
    assertError(unknown, 404, "model_not_found");
    assertThat(error(unknown).getString("message"))
        .contains("model never-published is not served: it is not in the model registry");
    assertThat(agent.requests.get()).isZero();
    assertThat(router.metrics().rejections("model_not_found")).isEqualTo(2.0);
    assertThat(infer(router, "m1").statusCode()).as("a model installed outside the registry is served")
        .isEqualTo(200);
  }

  @Test
  void withoutARegistryReadTheRouterAnswersNoCapacityNotA404() {
    agent("i-no-registry", "m1");
    String model = "unread-" + region;
    client.dynamo().deleteTable(r -> r.tableName(Tables.MODELS)).join();
    try {
      RouterVerticle router = deploy();
      assertThat(router.modelCatalog()).isNull();
      assertError(infer(router, model), 503, "no_capacity");
      assertThat(infer(router, "m1").statusCode()).isEqualTo(200);

      Tables.createAll(client.dynamo()).join(); // readable again: the next read loads an empty catalog
      waitUntil(() -> router.modelCatalog() != null);
      assertError(infer(router, model), 404, "model_not_found");
    } finally {
      Tables.createAll(client.dynamo()).join();
    }
  }

  @Test
  void aRegionWithNoInstanceAtAllAnswersNoCapacityWhateverTheRegistrySays() {
    String model = "empty-region-" + region;
    RouterVerticle router = deployWithAvailable(model);
    assertError(infer(router, model), 503, "no_capacity");
    assertError(infer(router, "never-published"), 503, "no_capacity");
  }

  @Test
  void aTenantWhoseAllowlistExcludesTheModelGets403NotWhetherItExists() {
    String model = "not-allowed-" + region;
    agent("i-allowlist", "m1");
    RouterVerticle router = deployWithAvailable(model);
    String onlyM1 = Tenants.create(client, "t-only-m1-" + region, tenant -> tenant.setAllowedModels(List.of("m1")));
    for (String other : List.of(model, "never-published")) {
      HttpResponse<Buffer> response = await(web.post(router.actualPort(), "127.0.0.1", "/v2/models/" + other
          + "/infer").putHeader("authorization", Tenants.bearer(onlyM1)).sendBuffer(Buffer.buffer("{}")));
      assertError(response, 403, "model_not_allowed");
    }
    assertThat(router.metrics().rejections("model_loading")).isZero();
    assertThat(router.metrics().rejections("model_not_found")).isZero();
  }

  @Test
  void onceAnInstanceAdvertisesTheModelTheNextRequestIsServed() {
    String model = "hot-" + region;
    FakeAgent agent = agent("i-hot", "m1");
    RouterVerticle router = deployWithAvailable(model);
    assertError(infer(router, model), 503, "model_loading");

    advertise(agent, "m1", model); // the agent loaded and warmed it: its next heartbeat lists it
    waitUntil(() -> router.snapshot().backends().stream().anyMatch(backend -> backend.serves(model)));
    HttpResponse<Buffer> served = infer(router, model);
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.getHeader("x-seen-model")).isEqualTo(model);
    assertThat(served.getHeader("x-agent")).isEqualTo("i-hot");
  }

  @Test
  void oddModelNamesAreEchoedBoundedAndTheRouterGoesOn() {
    agent("i-odd", "m1");
    RouterVerticle router = deploy();
    waitUntil(() -> router.modelCatalog() != null);
    String huge = "m".repeat(4_000);
    HttpResponse<Buffer> long404 = await(web.post(router.actualPort(), "127.0.0.1", "/v1/embeddings")
        .putHeader("authorization", Tenants.bearer(key)).putHeader("x-mrgc-model", huge)
        .sendBuffer(Buffer.buffer("{}")));
    assertError(long404, 404, "model_not_found");
    assertThat(error(long404).getString("message")).contains("m".repeat(128) + "...")
        .doesNotContain("m".repeat(129)).hasSizeLessThan(300);

    // Quotes, backslashes, angle brackets, a percent sign and bytes beyond ASCII in a raw header.
    RawConnection raw = await(RawConnection.open(vertx, net, router.actualPort()));
    raw.socket().write(Buffer.buffer("GET /v1/models HTTP/1.1\r\nHost: router\r\nAuthorization: Bearer " + key
        + "\r\nx-mrgc-model: a\"b\\c<d>%00").appendBytes(new byte[] {(byte) 0xC3, (byte) 0xA9, (byte) 0xFF})
        .appendString("\r\nConnection: close\r\n\r\n"));
    String wire = await(raw.closed());
    assertThat(wire).startsWith("HTTP/1.1 404").contains("\"code\":\"model_not_found\"");
    JsonObject body = new JsonObject(wire.substring(wire.indexOf("\r\n\r\n") + 4));
    assertThat(body.getJsonObject("error").getString("message")).contains("a\"b\\c<d>%00");

    assertThat(infer(router, "m1").statusCode()).as("still serving").isEqualTo(200);
  }

  private static void waitUntil(BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
