package io.mrgc.router;

import static io.mrgc.router.FakeAgent.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.common.net.ListenerLimits;
import io.mrgc.common.net.RawConnection;
import io.mrgc.state.ApiKeys;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a client may make the router hold (issue #10, findings 2 and 8): bodies are buffered whole before any
 * instance is picked, within a deadline and per-tenant and per-router budgets; unauthenticated bodies are never read;
 * the tenant listener closes slowloris connections and connections over its cap; failed authentications are limited
 * per source without table reads, and a flood of random keys never fails a real tenant's request.
 */
@ExtendWith(VertxExtension.class)
class IngressLimitsTest {
  private static final AtomicInteger TESTS = new AtomicInteger();
  private static LocalState state;
  private static StateClient client;
  private Vertx vertx;
  private WebClient web;
  private FakeAgent agent;
  private String region;
  private final List<NetSocket> sockets = new ArrayList<>();

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-east-1");
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
    region = "test-ingress-" + TESTS.incrementAndGet();
    agent = FakeAgent.start(vertx, "i-ingress");
    agent.register(new GpuInstanceRepository(client), region, 0);
  }

  @AfterEach
  void tearDown() {
    sockets.forEach(NetSocket::close);
    web.close();
  }

  private RouterOptions options() {
    return RouterOptions.defaults(region, "router-1").withHeartbeatStaleAfter(Duration.ofMinutes(5))
        .withAllowPlaintext(true);
  }

  private RouterVerticle deploy(RouterOptions options) {
    RouterVerticle router = new RouterVerticle(options, client);
    await(vertx.deployVerticle(router));
    return router;
  }

  @Test
  void aBodyNotCompleteWithinTheDeadlineGets408AndNoInstanceIsEverPicked() {
    // Proves finding 2's core: a dripped body holds no instance (the old router dispatched at the head and streamed).
    RouterVerticle router = deploy(options().withIngress(IngressLimits.defaults()
        .withBodyTimeout(Duration.ofMillis(500))));
    String key = Tenants.create(client, "t-slow-body");
    warm(router, key);
    int requestsBefore = agent.requests.get();

    RawConnection raw = connect(router.actualPort());
    raw.socket().write(head(key, "/v2/models/m1/infer", 1_000) + "{\"partial");
    String wire = await(raw.closed());

    assertThat(wire).startsWith("HTTP/1.1 408").contains("\"code\":\"body_timeout\"")
        .containsIgnoringCase("connection: close");
    assertThat(agent.requests.get()).as("the instance never got the request").isEqualTo(requestsBefore);
    assertThat(router.metrics().dispatches(agent.id)).as("no dispatch was counted for it").isEqualTo(requestsBefore);
    assertThat(router.metrics().bodyTimeouts()).isEqualTo(1.0);
    assertThat(router.metrics().rejections("body_timeout")).as("a rejection, out of the capacity window")
        .isEqualTo(1.0);
    assertThat(router.bufferedBodyBytes(null)).as("its buffer reservation is given back").isZero();
  }

  @Test
  void bodyBuffersAreBoundedPerTenantWith429AndPerRouterWith503() {
    // Proves the buffer budgets: without them a tenant's slow bodies could take all of the router's memory.
    RouterVerticle router = deploy(options().withIngress(IngressLimits.defaults()
        .withTenantBufferBytes(100_000).withRouterBufferBytes(150_000)));
    String a = Tenants.create(client, "t-buffer-a");
    String b = Tenants.create(client, "t-buffer-b");
    warm(router, a);
    warm(router, b);

    // Tenant A declares 80 000 bytes and sends a few: the whole declared length is reserved at once.
    RawConnection held = connect(router.actualPort());
    held.socket().write(head(a, "/v2/models/m1/infer", 80_000) + "x");
    waitUntil(() -> router.bufferedBodyBytes("t-buffer-a") == 80_000);

    HttpResponse<Buffer> overShare = await(post(router, a, 40_000));
    assertError(overShare, 429, "body_buffer_full");
    assertThat(overShare.getHeader("retry-after")).isEqualTo("1");
    HttpResponse<Buffer> overRouter = await(post(router, b, 80_000));
    assertError(overRouter, 503, "router_busy");
    assertThat(overRouter.getHeader("retry-after")).isEqualTo("1");
    assertThat(await(post(router, b, 10_000)).statusCode()).as("within both budgets").isEqualTo(200);

    // A chunked body is counted chunk by chunk: it is cut off with 429 once it passes the tenant's share.
    RawConnection chunked = connect(router.actualPort());
    chunked.socket().write("POST /v2/models/m1/infer HTTP/1.1\r\nHost: router\r\nAuthorization: Bearer " + a
        + "\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 4; i++) {
      chunked.socket().write(Buffer.buffer("2710\r\n").appendBuffer(Buffer.buffer(new byte[10_000])).appendString("\r\n"));
    }
    assertThat(await(chunked.closed())).startsWith("HTTP/1.1 429").contains("\"code\":\"body_buffer_full\"");

    held.socket().close();
    waitUntil(() -> router.bufferedBodyBytes(null) == 0);
    assertThat(await(post(router, a, 40_000)).statusCode()).as("the share is back once the client left")
        .isEqualTo(200);
  }

  @Test
  void anUnauthenticatedBodyIsNeverRead() {
    // Proves "unauthenticated bodies are never read": the 401 comes with Connection: close and the router closes
    // while the declared body is still unsent (reading and dropping it, as before, would wait for all of it).
    RouterVerticle router = deploy(options());
    RawConnection raw = connect(router.actualPort());
    raw.socket().write(head(ApiKeys.generate(), "/v2/models/m1/infer", 1_000_000) + "a few bytes");
    String wire = await(raw.closed());
    assertThat(wire).startsWith("HTTP/1.1 401").contains("\"code\":\"unauthorized\"")
        .containsIgnoringCase("connection: close");

    // A known tenant's refused body (403 model_not_allowed) is still read and dropped, so its connection carries
    // the next request.
    // The instance serves m1 only (a request for another model never reaches it): the refused request names m2.
    String key = Tenants.create(client, "t-known-refused", tenant -> tenant.setAllowedModels(List.of("m1")));
    RawConnection known = connect(router.actualPort());
    String body = "{\"x\":1}";
    known.socket().write("POST /v2/models/m2/infer HTTP/1.1\r\nHost: router\r\nAuthorization: Bearer " + key
        + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
        + "GET /v2/models/m1 HTTP/1.1\r\nHost: router\r\nAuthorization: Bearer " + key
        + "\r\nConnection: close\r\n\r\n");
    String both = await(known.closed());
    assertThat(both).as("two answers on one connection").startsWith("HTTP/1.1 403")
        .containsPattern("(?s)model_not_allowed.*HTTP/1.1 200");
    assertThat(router.metrics().rejections("unauthorized")).isEqualTo(1.0);
  }

  @Test
  void aSlowlorisConnectionIsClosedAtTheHeaderDeadlineAndTheNewestOverTheCapAtOnce() throws Exception {
    // Proves the header-read deadline (Vert.x's idle timeout alone never fires while bytes keep dripping) and the
    // connection cap.
    RouterVerticle router = deploy(options().withIngress(IngressLimits.defaults().withListener(
        ListenerLimits.defaults().withHeaderTimeout(Duration.ofMillis(400)).withMaxConnections(4))));
    RawConnection slow = connect(router.actualPort());
    long drip = vertx.setPeriodic(50, id -> slow.socket().write("X"));
    slow.socket().write("GET /v1/models HTTP/1.1\r\nHost: router\r\nx-drip: ");
    try {
      assertThat(await(slow.closed())).as("closed without an answer").isEmpty();
    } finally {
      vertx.cancelTimer(drip);
    }
    assertThat(router.listenerGuard().headTimeouts()).isEqualTo(1);

    // The cap, on a router whose header deadline cannot close the idle connections while the test opens them.
    RouterVerticle capped = deploy(options().withIngress(IngressLimits.defaults().withListener(
        ListenerLimits.defaults().withMaxConnections(4))));
    List<RawConnection> open = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      open.add(connect(capped.actualPort()));
      int expected = i + 1;
      waitUntil(() -> capped.listenerGuard().openConnections() == expected);
    }
    RawConnection overCap = connect(capped.actualPort());
    assertThat(await(overCap.closed())).isEmpty();
    assertThat(capped.listenerGuard().refusedConnections()).isEqualTo(1);
    open.get(0).socket().write("GET /healthz HTTP/1.1\r\nHost: router\r\nConnection: close\r\n\r\n");
    assertThat(await(open.get(0).closed())).as("the established ones keep working").startsWith("HTTP/1.1 200");
  }

  @Test
  void failedAuthenticationsAreLimitedPerSourceWithoutTableReadsAndNeverFailARealTenant() {
    // Proves finding 8 end to end: random keys from many source addresses get 401 and then 429 auth_rate_limited
    // (answered without a table read), while every request of a real tenant, first lookup included, succeeds.
    RouterVerticle router = deploy(options().withIngress(IngressLimits.defaults()
        .withAuthFailuresPerSecond(1).withAuthFailureBurst(5)));
    String real = Tenants.create(client, "t-real-under-flood");
    int sources = 16;
    int perSource = 40;
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    List<WebClient> attackers = new ArrayList<>();
    List<Future<?>> flood = new ArrayList<>();
    for (int s = 0; s < sources; s++) {
      WebClient attacker = WebClient.create(vertx, new WebClientOptions().setLocalAddress("127.0.3." + (s + 1)));
      attackers.add(attacker);
      for (int i = 0; i < perSource; i++) {
        flood.add(attacker.post(router.actualPort(), "127.0.0.1", "/v2/models/m1/infer")
            .putHeader("authorization", Tenants.bearer(ApiKeys.generate()))
            .sendBuffer(Buffer.buffer("{}"))
            .onSuccess(r -> statuses.computeIfAbsent(r.statusCode(), c -> new AtomicInteger()).incrementAndGet()));
      }
    }
    List<Future<HttpResponse<Buffer>>> realRequests = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      realRequests.add(web.post(router.actualPort(), "127.0.0.1", "/v2/models/m1/infer")
          .putHeader("authorization", Tenants.bearer(real)).sendBuffer(Buffer.buffer("{}")));
    }
    await(Future.join(flood));
    for (Future<HttpResponse<Buffer>> response : realRequests) {
      assertThat(await(response).statusCode()).as("every request of the real tenant").isEqualTo(200);
    }
    attackers.forEach(WebClient::close);

    assertThat(statuses.keySet()).containsOnly(401, 429);
    assertThat(statuses.get(429).get()).isPositive();
    assertThat(router.metrics().rejections("auth_rate_limited")).isEqualTo(statuses.get(429).get());
    // Each source gets its burst of failures (and perhaps a refill), then is refused without reading the table.
    assertThat(router.authenticator().reads()).isLessThan(sources * perSource / 2);
  }

  // --- helpers

  private NetClient net;

  private RawConnection connect(int port) {
    if (net == null) {
      net = vertx.createNetClient(); // kept: Vert.x closes a collected client together with its connections
    }
    RawConnection raw = await(RawConnection.open(vertx, net, port));
    sockets.add(raw.socket());
    return raw;
  }

  private static String head(String key, String path, int contentLength) {
    return "POST " + path + " HTTP/1.1\r\nHost: router\r\nAuthorization: Bearer " + key
        + "\r\nContent-Type: application/json\r\nContent-Length: " + contentLength + "\r\n\r\n";
  }

  private Future<HttpResponse<Buffer>> post(RouterVerticle router, String key, int bytes) {
    return web.post(router.actualPort(), "127.0.0.1", "/v2/models/m1/infer")
        .putHeader("authorization", Tenants.bearer(key)).sendBuffer(Buffer.buffer(new byte[bytes]));
  }

  /** One authorized request, so the tenant is in the auth cache before raw-socket requests. */
  private void warm(RouterVerticle router, String key) {
    assertThat(await(web.get(router.actualPort(), "127.0.0.1", "/v2/models/m1")
        .putHeader("authorization", Tenants.bearer(key)).send()).statusCode()).isEqualTo(200);
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String code) {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo(code);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("requestId")).isNotBlank();
  }

  /** Polls a condition (no timing is asserted: the 10 s bound only keeps a broken build from hanging). */
  private static void waitUntil(BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean() && System.currentTimeMillis() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    assertThat(condition.getAsBoolean()).as("condition within 10 s").isTrue();
  }
}
