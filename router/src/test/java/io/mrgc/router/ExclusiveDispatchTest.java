package io.mrgc.router;

import static io.mrgc.router.FakeAgent.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Car wash after every request, the router's part: one request per instance at a time, a queue for requests that
 * find every instance busy, refusals before the body (Expect: 100-continue) and holds after a non-READY report. Fake
 * node agents ({@link FakeAgent}) count how many requests they have at once.
 */
@ExtendWith(VertxExtension.class)
class ExclusiveDispatchTest {
  private static LocalState state;
  private static StateClient client;
  private static GpuInstanceRepository instances;
  private static String key;
  private static int regions;
  private Vertx vertx;
  private HttpClient http;
  private String region;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-west-2");
    instances = new GpuInstanceRepository(client);
    key = Tenants.create(client, "tenant-exclusive", tenant -> {
      tenant.setRateLimitRps(100_000.0);
      tenant.setRateLimitBurst(100_000);
      tenant.setDebugHeaders(true); // the tests follow which instance served (x-mrgc-instance)
    });
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    http = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(64));
    region = "test-exclusive-" + (++regions);
  }

  @AfterEach
  void tearDown() {
    for (String id : vertx.deploymentIDs()) { // stop polling before the next test's region
      await(vertx.undeploy(id));
    }
    await(http.close());
  }

  private RouterVerticle deploy(RouterOptions options) {
    RouterVerticle router = new RouterVerticle(options, client);
    await(vertx.deployVerticle(router));
    return router;
  }

  private RouterOptions options() {
    return RouterOptions.defaults(region, "router-1").withHeartbeatStaleAfter(Duration.ofMinutes(5))
        .withSnapshotInterval(Duration.ofMillis(200)).withAllowPlaintext(true);
  }

  private FakeAgent agent(String id, int load) {
    FakeAgent agent = FakeAgent.start(vertx, id);
    agent.register(instances, region, load);
    return agent;
  }

  private record Answer(int status, MultiMap headers, String body) {
    String header(String name) {
      return headers.get(name);
    }

    JsonObject error() {
      return new JsonObject(body).getJsonObject("error");
    }
  }

  private RequestOptions infer(RouterVerticle router) {
    return new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(router.actualPort())
        .setURI("/v2/models/m1/infer").putHeader("authorization", Tenants.bearer(key));
  }

  /**
   * Runs a client exchange on an event loop: callbacks chained from the test thread may run there after the response
   * already arrived, and a body read from that thread can miss its end.
   */
  private <T> Future<T> onEventLoop(Supplier<Future<T>> exchange) {
    Promise<T> result = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> exchange.get().onComplete(result));
    return result.future();
  }

  private static Future<Answer> answer(HttpClientResponse response) {
    return response.body().map(b -> new Answer(response.statusCode(), response.headers(), b.toString()));
  }

  private Future<Answer> send(HttpClient via, RequestOptions options, Buffer body) {
    return onEventLoop(() -> via.request(options)
        .compose(request -> body == null ? request.send() : request.send(body))
        .compose(ExclusiveDispatchTest::answer));
  }

  private Future<Answer> post(RouterVerticle router, Buffer body) {
    return send(http, infer(router), body);
  }

  private static Buffer body(int size) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) ('a' + i % 26);
    }
    return Buffer.buffer(bytes);
  }

  /** Waits for a condition the test cannot be told about (no timing is asserted: the deadline only ends a hang). */
  private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 15_000;
    while (!condition.getAsBoolean()) {
      assertThat(System.currentTimeMillis()).as("waiting for " + what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void fiftyConcurrentRequestsAllSucceedAndNoInstanceEverHasTwoAtOnce() {
    List<FakeAgent> agents = List.of(agent("i-a", 0), agent("i-b", 0), agent("i-c", 0));
    agents.forEach(agent -> agent.responseDelayMillis = 5);
    RouterVerticle router = deploy(options());

    List<Future<Answer>> answers = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      answers.add(post(router, body(100 + i)));
    }
    await(Future.join(answers));

    for (int i = 0; i < 50; i++) {
      Answer answer = answers.get(i).result();
      assertThat(answer.status()).as("request %d", i).isEqualTo(200);
      assertThat(answer.body()).isEqualTo("bytes=" + (100 + i));
    }
    assertThat(agents).allSatisfy(agent -> assertThat(agent.maxConcurrent.get())
        .as("most requests %s had at once", agent.id).isEqualTo(1));
    assertThat(agents.stream().mapToInt(agent -> agent.requests.get()).sum()).isEqualTo(50);
    assertThat(router.metrics().queueWaits()).as("most requests waited for a free instance").isPositive();
    assertThat(router.dispatchQueueSize()).isZero();
    assertThat(router.metrics().scrape()).contains("mrgc_router_queue_waits_total")
        .contains("mrgc_router_queue_wait_seconds_count").contains("mrgc_router_queue_depth")
        .contains("mrgc_router_held_instances");
  }

  @Test
  void aFullQueueAnswers503AndAClientLeavingTheQueueFreesItsPlace() throws Exception {
    FakeAgent busy = agent("i-busy", 0);
    Promise<Void> release = Promise.promise();
    busy.gate = release.future();
    RouterVerticle router = deploy(options().withDispatchQueueLimit(2)
        .withDispatchQueueTimeout(Duration.ofMinutes(1)));

    Future<Answer> first = post(router, body(10));
    waitUntil(() -> busy.requests.get() == 1, "the first request at the instance");
    Future<Answer> second = post(router, body(20));
    HttpClient leaving = vertx.createHttpClient();
    HttpClientRequest third = await(leaving.request(infer(router)));
    third.send(body(30));
    waitUntil(() -> router.dispatchQueueSize() == 2, "two waiting requests");

    Answer full = await(post(router, body(40)));
    assertThat(full.status()).isEqualTo(503);
    assertThat(full.header("retry-after")).isNotBlank();
    assertThat(full.error().getString("code")).isEqualTo("no_capacity");
    assertThat(full.error().getString("message")).contains("busy").contains("2 requests are already waiting");
    assertThat(router.metrics().queueRejections("full")).isEqualTo(1.0);

    third.reset(); // the client goes away while its request waits
    waitUntil(() -> router.dispatchQueueSize() == 1, "the leaving client's place freed");
    Future<Answer> fifth = post(router, body(50));
    waitUntil(() -> router.dispatchQueueSize() == 2, "the next request waiting in the freed place");

    release.complete();
    assertThat(await(first).body()).isEqualTo("bytes=10");
    assertThat(await(second).body()).isEqualTo("bytes=20");
    assertThat(await(fifth).body()).isEqualTo("bytes=50");
    assertThat(busy.requests.get()).as("the request of the client that left never reached it").isEqualTo(3);
    assertThat(busy.maxConcurrent.get()).isEqualTo(1);
    await(leaving.close());
  }

  @Test
  void aRequestWaitingPastTheQueueTimeoutAnswers503() throws Exception {
    FakeAgent busy = agent("i-slow", 0);
    Promise<Void> release = Promise.promise();
    busy.gate = release.future();
    RouterVerticle router = deploy(options().withDispatchQueueTimeout(Duration.ofMillis(300)));

    Future<Answer> first = post(router, body(10));
    waitUntil(() -> busy.requests.get() == 1, "the first request at the instance");
    Answer waited = await(post(router, body(20)));

    assertThat(waited.status()).isEqualTo(503);
    assertThat(waited.header("retry-after")).isNotBlank();
    assertThat(waited.error().getString("code")).isEqualTo("no_capacity");
    assertThat(waited.error().getString("message")).contains("busy").contains("waited");
    assertThat(router.metrics().queueRejections("timeout")).isEqualTo(1.0);
    assertThat(router.dispatchQueueSize()).isZero();
    release.complete();
    assertThat(await(first).status()).isEqualTo(200);
    assertThat(busy.requests.get()).isEqualTo(1);
  }

  @Test
  void aRefusalBeforeTheBodyHoldsTheInstanceAndTheRequestIsServedElsewhereWithItsBody() throws Exception {
    FakeAgent refusing = agent("i-refusing", 0); // looks idle: it wins the first comparison
    refusing.refuseWith = "QUARANTINED";
    FakeAgent other = agent("i-other", 20);
    RouterVerticle router = deploy(options());

    Answer answer = await(post(router, body(10_000)));
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("x-mrgc-instance")).isEqualTo("i-other");
    assertThat(answer.body()).as("the whole body, though it was once announced elsewhere").isEqualTo("bytes=10000");
    assertThat(refusing.refusals.get()).isEqualTo(1);
    assertThat(refusing.bodyBytes.get()).as("no body byte before 100 Continue").isZero();
    assertThat(router.metrics().refusals("i-refusing")).isEqualTo(1.0);
    assertThat(router.outliers().isEjected("i-refusing")).as("a refusal is no failure").isFalse();
    assertThat(router.metrics().scrape())
        .containsPattern("mrgc_router_refusals_total\\{instance=\"i-refusing\",reason=\"instance_not_ready\",region=\"[^\"]+\"} 1.0")
        .containsPattern("mrgc_router_retries_total\\{reason=\"instance_not_ready\",region=\"[^\"]+\"} 1.0")
        .containsPattern("mrgc_router_holds_total\\{region=\"[^\"]+\",state=\"QUARANTINED\"} 1.0");
    // The connection carried a head announcing a body that never came: closed, never reused.
    waitUntil(() -> refusing.closedConnections.get() == 1, "the refused request's connection closed");

    // Its row still says READY, with the heartbeat from before the refusal: held, it gets nothing.
    for (int i = 0; i < 5; i++) {
      assertThat(await(post(router, body(100))).header("x-mrgc-instance")).isEqualTo("i-other");
    }
    assertThat(refusing.requests.get()).isEqualTo(1);

    refusing.refuseWith = null;
    refusing.heartbeat(instances, region, 0); // a newer heartbeat, READY
    waitUntil(() -> router.holds().heldCount() == 0, "a snapshot with the newer heartbeat releasing the hold");
    Answer back = await(post(router, body(777)));
    assertThat(back.header("x-mrgc-instance")).as("idle again, it wins the comparison").isEqualTo("i-refusing");
    assertThat(back.body()).isEqualTo("bytes=777");
    assertThat(refusing.connections).as("a new connection after the refusal").hasSize(2);
  }

  @Test
  void anInstanceThatAnswersNothingToTheHeadIsLeftForAnotherWithTheWholeBody() throws Exception {
    FakeAgent hung = agent("i-hung", 0); // looks idle: it wins the first comparison
    hung.hung = true;
    FakeAgent other = agent("i-alive", 20);
    // Without the continue timeout the request would wait for the request timeout and fail with 504.
    RouterVerticle router = deploy(options().withContinueTimeout(Duration.ofMillis(300))
        .withRequestTimeout(Duration.ofSeconds(10)));

    Answer answer = await(post(router, body(10_000)));
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("x-mrgc-instance")).isEqualTo("i-alive");
    assertThat(answer.body()).isEqualTo("bytes=10000");
    assertThat(hung.requests.get()).as("the head reached it").isEqualTo(1);
    assertThat(hung.bodyBytes.get()).as("no body byte without 100 Continue").isZero();
    assertThat(router.outliers().isEjected("i-hung")).isTrue();
    assertThat(router.metrics().unansweredHeads("i-hung")).isEqualTo(1.0);
    waitUntil(() -> hung.closedConnections.get() == 1, "the unanswered head's connection closed");
    for (int i = 0; i < 3; i++) {
      assertThat(await(post(router, body(10))).header("x-mrgc-instance")).isEqualTo("i-alive");
    }
    assertThat(hung.requests.get()).as("ejected: nothing more sent to it").isEqualTo(1);
  }

  @Test
  void whenEveryInstanceIsHungTheRequestFailsAsATimeoutAfterTwoTries() throws Exception {
    FakeAgent first = agent("i-hung-1", 0);
    FakeAgent second = agent("i-hung-2", 0);
    first.hung = true;
    second.hung = true;
    RouterVerticle router = deploy(options().withContinueTimeout(Duration.ofMillis(200)));

    Answer answer = await(post(router, body(100)));
    assertThat(answer.status()).isEqualTo(504);
    assertThat(answer.error().getString("code")).isEqualTo("upstream_timeout");
    assertThat(answer.error().getString("message")).matches("instance i-hung-[12] did not take the request within "
        + "200 ms");
    assertThat(first.requests.get() + second.requests.get()).isEqualTo(2);
  }

  @Test
  void anInstanceReportingWashingIsHeldUntilANewerHeartbeatShowsItReady() throws Exception {
    FakeAgent washing = agent("i-washing", 0);
    washing.stateAfter = "WASHING";
    FakeAgent other = agent("i-ready", 20);
    RouterVerticle router = deploy(options());

    Answer first = await(post(router, body(10)));
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.header("x-mrgc-instance")).isEqualTo("i-washing");
    washing.stateAfter = "READY";
    for (int i = 0; i < 5; i++) {
      assertThat(await(post(router, body(10))).header("x-mrgc-instance")).isEqualTo("i-ready");
    }
    assertThat(washing.requests.get()).isEqualTo(1);

    washing.heartbeat(instances, region, 0);
    waitUntil(() -> router.holds().heldCount() == 0, "a snapshot with the newer heartbeat releasing the hold");
    assertThat(await(post(router, body(10))).header("x-mrgc-instance")).isEqualTo("i-washing");
    assertThat(washing.requests.get()).isEqualTo(2);
  }

  @Test
  void theInstanceStateAndWashHeadersStayAtTheRouter() {
    FakeAgent agent = agent("i-headers", 0);
    RouterVerticle router = deploy(options());

    Answer inference = await(post(router, body(64)));
    Answer metadata = await(send(http, infer(router).setMethod(HttpMethod.GET).setURI("/v2/models/m1"), null));

    for (Answer answer : List.of(inference, metadata)) {
      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.header("x-agent")).as("the instance's own headers pass").isEqualTo("i-headers");
      assertThat(answer.header("x-mrgc-instance-state")).isNull();
      assertThat(answer.header("x-mrgc-wash")).isNull();
      assertThat(answer.header("x-mrgc-wash-ms")).isNull();
    }
    assertThat(inference.header("x-seen-expect")).as("a body waits for 100 Continue").isEqualTo("100-continue");
    assertThat(metadata.header("x-seen-expect")).as("no body, nothing to wait for").isEqualTo("null");
    assertThat(agent.requests.get()).isEqualTo(2);
  }

  @Test
  void oneKeptAliveConnectionCarriesRequestsSentWith100ContinueAndTheClientGetsItsOwn100() throws Exception {
    FakeAgent agent = agent("i-keepalive", 0);
    RouterVerticle router = deploy(options());

    for (int i = 0; i < 10; i++) {
      Answer answer = await(post(router, body(1000 + i)));
      assertThat(answer.body()).isEqualTo("bytes=" + (1000 + i));
    }
    assertThat(agent.connections).as("the router reuses its connection to the instance").hasSizeLessThanOrEqualTo(2);

    // A client that asks for 100 Continue itself gets it once the instance took the request.
    Promise<Void> continued = Promise.promise();
    Answer answer = await(onEventLoop(() -> http.request(infer(router)).compose(request -> {
      request.putHeader("expect", "100-continue").putHeader("content-length", "5");
      request.continueHandler(v -> {
        continued.complete();
        request.end(Buffer.buffer("hello"));
      });
      request.sendHead();
      return request.response();
    }).compose(ExclusiveDispatchTest::answer)));
    assertThat(continued.future().succeeded()).isTrue();
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("bytes=5");
  }
}
