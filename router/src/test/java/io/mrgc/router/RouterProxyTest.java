package io.mrgc.router;

import static io.mrgc.router.FakeAgent.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mrgc.common.net.VertxRuntime;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.MetricsRepository;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.MetricItem;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The router end to end against fake node agents registered in an in-memory DynamoDB Local. */
@ExtendWith(VertxExtension.class)
class RouterProxyTest {
  private static LocalState state;
  private static StateClient client;
  private static GpuInstanceRepository instances;
  /** One unrestricted tenant for every test here; tenant security itself is in TenantSecurityTest. */
  private static String key;
  private Vertx vertx;
  private WebClient web;
  private HttpClient http;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-east-1");
    instances = new GpuInstanceRepository(client);
    // Debug headers: the tests follow which instance served (x-mrgc-instance).
    key = Tenants.create(client, "tenant-proxy-test", tenant -> tenant.setDebugHeaders(true));
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
    http = vertx.createHttpClient();
  }

  @AfterEach
  void tearDown() {
    web.close();
    await(http.close());
  }

  private RouterVerticle deploy(String region, RouterOptions options) {
    RouterVerticle router = new RouterVerticle(options, client);
    await(vertx.deployVerticle(router));
    return router;
  }

  /** Plain (unencrypted) test bodies are allowed here; the envelope requirement is in TenantSecurityTest. */
  private static RouterOptions options(String region) {
    return RouterOptions.defaults(region, "router-1").withHeartbeatStaleAfter(Duration.ofMinutes(5))
        .withSnapshotInterval(Duration.ofMillis(200)).withAllowPlaintext(true);
  }

  @Test
  void buffersTheWholeBodyBeforeAnInstanceGetsItAndStreamsTheResponseBackWithHeaders() throws Exception {
    String region = "test-stream";
    FakeAgent agent = FakeAgent.start(vertx, "i-stream");
    agent.register(instances, region, 0);
    RouterVerticle router = deploy(region, options(region));

    HttpClientRequest request = await(http.request(new RequestOptions().setMethod(HttpMethod.POST)
        .setHost("127.0.0.1").setPort(router.actualPort()).setURI("/v2/models/m1/infer")));
    request.setChunked(true)
        .putHeader("authorization", Tenants.bearer(key))
        .putHeader("x-request-id", "req-123")
        .putHeader("x-custom", "kept")
        .putHeader("keep-alive", "timeout=5")
        .putHeader("connection", "keep-alive, x-hop")
        .putHeader("x-hop", "dropped");
    Buffer first = Buffer.buffer(new byte[64 * 1024]);
    request.write(first);
    // The router buffers the body whole before it picks an instance (issue #10, finding 2): while the client has not
    // finished, the bytes sit in the tenant's buffer and no instance has the request.
    long deadline = System.currentTimeMillis() + 10_000;
    while (router.bufferedBodyBytes("tenant-proxy-test") < first.length() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(router.bufferedBodyBytes("tenant-proxy-test")).isEqualTo(first.length());
    assertThat(agent.requests.get()).as("no instance is picked before the body is complete").isZero();
    request.end(Buffer.buffer(new byte[32 * 1024]));
    // Read the body in the same callback that delivers the response: from this thread it could be missed.
    HttpClientResponse[] responses = new HttpClientResponse[1];
    Buffer body = await(request.response().compose(r -> {
      responses[0] = r;
      return r.body();
    }));
    HttpClientResponse response = responses[0];

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(body.toString()).isEqualTo("bytes=" + (96 * 1024));
    assertThat(response.getHeader("x-seen-content-length")).as("the buffered body goes with its length")
        .isEqualTo(Integer.toString(96 * 1024));
    assertThat(router.bufferedBodyBytes(null)).as("the buffer is released").isZero();
    assertThat(response.getHeader("x-request-id")).isEqualTo("req-123");
    assertThat(response.getHeader("x-mrgc-region")).isEqualTo(region);
    assertThat(response.getHeader("x-mrgc-instance")).isEqualTo("i-stream");
    assertThat(response.getHeader("x-agent")).isEqualTo("i-stream");
    assertThat(response.getHeader("x-seen-request-id")).isEqualTo("req-123");
    assertThat(response.getHeader("x-seen-custom")).isEqualTo("kept");
    assertThat(response.getHeader("x-seen-keep-alive")).isEqualTo("null");
    assertThat(response.getHeader("x-seen-hop")).isEqualTo("null");
    assertThat(response.getHeader("x-seen-path")).isEqualTo("/v2/models/m1/infer");
    assertThat(response.getHeader("x-seen-tenant")).isEqualTo("tenant-proxy-test");
    assertThat(response.getHeader("x-seen-authorization")).as("the API key stays at the router").isEqualTo("null");

    HttpResponse<Buffer> noId = await(web.get(router.actualPort(), "127.0.0.1", "/v1/models")
        .putHeader("authorization", Tenants.bearer(key)).send());
    assertThat(noId.statusCode()).isEqualTo(200);
    assertThat(noId.getHeader("x-request-id")).isNotBlank();
    assertThat(noId.getHeader("x-seen-request-id")).isEqualTo(noId.getHeader("x-request-id"));
  }

  @Test
  void connectFailureIsRetriedOnAnotherInstanceAndTheClientSucceeds() {
    String region = "test-retry";
    FakeAgent live = FakeAgent.start(vertx, "i-live");
    live.register(instances, region, 20);
    instances.put(FakeAgent.deadRow(region, "i-dead", 0)).join(); // looks idle, so it wins the first comparison
    RouterVerticle router = deploy(region, options(region));

    HttpResponse<Buffer> response = await(web.post(router.actualPort(), "127.0.0.1", "/v1/embeddings")
        .putHeader("authorization", Tenants.bearer(key))
        .putHeader("x-mrgc-model", "m1").sendBuffer(Buffer.buffer("{\"opaque\":true}")));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("x-mrgc-instance")).isEqualTo("i-live");
    assertThat(response.bodyAsString()).isEqualTo("bytes=15");
    assertThat(router.metrics().dispatches("i-dead")).isEqualTo(1.0);
    assertThat(router.metrics().retries()).isEqualTo(1.0);
    assertThat(router.outliers().isEjected("i-dead")).isTrue();
  }

  @Test
  void regionWithoutInstancesAnswers503NoCapacityAndFailsRegionalHealth() {
    String region = "test-empty";
    RouterVerticle router = deploy(region, options(region));

    HttpResponse<Buffer> response = await(web.post(router.actualPort(), "127.0.0.1", "/v1/embeddings")
        .putHeader("authorization", Tenants.bearer(key)).putHeader("x-mrgc-model", "m1")
        .sendBuffer(Buffer.buffer("x")));
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.getHeader("retry-after")).isNotBlank();
    JsonObject error = response.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("no_capacity");
    assertThat(error.getString("requestId")).isEqualTo(response.getHeader("x-request-id"));

    HttpResponse<Buffer> health = await(web.get(router.adminPort(), "127.0.0.1", "/healthz/region").send());
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.bodyAsJsonObject().getInteger("routable")).isZero();
    assertThat(health.bodyAsJsonObject().getString("transport")).as("the test Vertx is a plain one").isEqualTo("nio");
    assertThat(await(web.get(router.actualPort(), "127.0.0.1", "/healthz/region").send()).statusCode())
        .as("the tenant listener gives the same verdict").isEqualTo(503);
    HttpResponse<Buffer> alive = await(web.get(router.actualPort(), "127.0.0.1", "/healthz").send());
    assertThat(alive.statusCode()).isEqualTo(200);
    assertThat(alive.bodyAsJsonObject().getString("status")).isEqualTo("alive");
  }

  @Test
  void anH2cUpgradeIsIgnoredTheRouterSpeaksHttp11() throws Exception {
    String region = "test-h2c";
    RouterVerticle router = deploy(region, options(region));
    // The JDK client asks for HTTP/2 by default: over plain HTTP, with an h2c upgrade on a bodyless request.
    java.net.http.HttpClient jdk = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpResponse<String> response = jdk.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + router.actualPort() + "/healthz"))
        .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_1_1);
  }

  /**
   * One authorized request first, so that the raw-socket requests below find the tenant in the router's cache:
   * on a loaded machine a cold lookup can outlast DynamoDB's call timeout (503, a different test).
   */
  private void warmAuthCache(RouterVerticle router) {
    int status = 0;
    for (int attempt = 0; attempt < 20 && status != 200; attempt++) {
      status = await(web.get(router.actualPort(), "127.0.0.1", "/v2/models/m1")
          .putHeader("authorization", Tenants.bearer(key)).send()).statusCode();
    }
    assertThat(status).as("an authorized request before the raw-socket one").isEqualTo(200);
  }

  @Test
  void declaredContentLengthOverTheLimitGets413AtOnce() {
    String region = "test-413-length";
    FakeAgent agent = FakeAgent.start(vertx, "i-413a");
    agent.register(instances, region, 0);
    RouterVerticle router = deploy(region, options(region).withMaxBodyBytes(1024));
    warmAuthCache(router);
    int requestsBefore = agent.requests.get();

    // A raw connection: the head declares 4096 bytes and no body byte follows; the answer must come anyway.
    Promise<String> answer = Promise.promise();
    Buffer received = Buffer.buffer();
    NetSocket socket = await(vertx.createNetClient().connect(router.actualPort(), "127.0.0.1"));
    socket.handler(received::appendBuffer);
    socket.closeHandler(v -> answer.tryComplete(received.toString()));
    socket.write("POST /v1/embeddings HTTP/1.1\r\nHost: router\r\nAuthorization: Bearer " + key
        + "\r\nx-mrgc-model: m1\r\nContent-Length: 4096\r\n\r\n");
    String wire = await(answer.future());

    assertThat(wire).startsWith("HTTP/1.1 413");
    assertThat(wire).contains("\"code\":\"body_too_large\"");
    assertThat(agent.requests.get()).as("nothing reached the instance").isEqualTo(requestsBefore);
  }

  @Test
  void chunkedBodyPassingTheLimitGets413AndNoInstanceSeesIt() throws Exception {
    String region = "test-413-chunked";
    FakeAgent agent = FakeAgent.start(vertx, "i-413b");
    agent.register(instances, region, 0);
    RouterVerticle router = deploy(region, options(region).withMaxBodyBytes(64 * 1024));
    warmAuthCache(router);
    int requestsBefore = agent.requests.get();

    // A raw connection sending 8 chunks of 16 KiB and no final chunk: the router must cut it off at 64 KiB.
    Promise<String> answer = Promise.promise();
    Buffer received = Buffer.buffer();
    NetSocket socket = await(vertx.createNetClient().connect(router.actualPort(), "127.0.0.1"));
    socket.handler(received::appendBuffer);
    socket.closeHandler(v -> answer.tryComplete(received.toString()));
    socket.exceptionHandler(error -> answer.tryComplete(received.toString()));
    socket.write("POST /v1/embeddings HTTP/1.1\r\nHost: router\r\nAuthorization: Bearer " + key
        + "\r\nx-mrgc-model: m1\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 8; i++) {
      socket.write(Buffer.buffer("4000\r\n").appendBuffer(Buffer.buffer(new byte[16 * 1024])).appendString("\r\n"));
    }
    String wire = await(answer.future());

    assertThat(wire).startsWith("HTTP/1.1 413");
    assertThat(wire).contains("\"code\":\"body_too_large\"");
    assertThat(agent.requests.get()).as("the body is checked before an instance is picked")
        .isEqualTo(requestsBefore);
    assertThat(router.bufferedBodyBytes(null)).as("the buffer is released").isZero();
  }

  @Test
  void writesMetricsRowsAndServesPrometheusMetrics() throws Exception {
    String region = "test-metrics";
    FakeAgent agent = FakeAgent.start(vertx, "i-metrics");
    agent.register(instances, region, 0);
    RouterVerticle router = deploy(region, options(region).withMetricsInterval(Duration.ofMillis(300)));
    for (int i = 0; i < 5; i++) {
      assertThat(await(web.get(router.actualPort(), "127.0.0.1", "/v1/models")
          .putHeader("authorization", Tenants.bearer(key)).send()).statusCode())
          .isEqualTo(200);
    }
    MetricsRepository metrics = new MetricsRepository(client);
    List<MetricItem> rows = List.of();
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      rows = metrics.listRegionSince(region, 0).join();
      if (rows.stream().mapToLong(MetricItem::getRequests).sum() >= 5) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(rows).allSatisfy(row -> {
      assertThat(row.getSeries()).isEqualTo("router#" + region + "#router-1");
      assertThat(row.getExpiresAtEpochSeconds()).isGreaterThan(System.currentTimeMillis() / 1000);
      assertThat(row.getLatencyP99Ms()).isGreaterThanOrEqualTo(row.getLatencyP50Ms());
    });
    assertThat(rows.stream().mapToLong(MetricItem::getRequests).sum()).isEqualTo(5);
    assertThat(rows.stream().mapToLong(MetricItem::getErrors).sum()).isZero();
    assertThat(rows).anySatisfy(row -> assertThat(row.getRps()).isPositive());

    String scrape = await(web.get(router.adminPort(), "127.0.0.1", "/metrics").send()).bodyAsString();
    assertThat(scrape).contains("mrgc_router_snapshot_age_seconds")
        .contains("mrgc_router_requests_total{region=\"test-metrics\",status_class=\"2xx\"} 5.0")
        .contains("mrgc_router_dispatches_total{instance=\"i-metrics\"")
        .contains("mrgc_router_upstream_latency_seconds");
  }

  /** The admin details name the transport of the Vertx the router was deployed on, read from that instance. */
  @Test
  void theAdminDetailsNameTheTransportOfTheRoutersVertx() {
    assumeTrue(VertxRuntime.epollUnavailabilityCause() == null, "epoll is not available on this host");
    Vertx onEpoll = VertxRuntime.create(new VertxOptions(), true);
    try {
      RouterVerticle router = new RouterVerticle(options("test-epoll"), client);
      await(onEpoll.deployVerticle(router));
      JsonObject details = await(web.get(router.adminPort(), "127.0.0.1", "/healthz/region").send())
          .bodyAsJsonObject();
      assertThat(details.getString("transport")).isEqualTo("epoll");
      assertThat(await(web.get(router.actualPort(), "127.0.0.1", "/healthz/region").send()).bodyAsJsonObject()
          .fieldNames()).as("the tenant listener shows only the verdict").containsExactly("status");
    } finally {
      await(onEpoll.close());
    }
  }
}
