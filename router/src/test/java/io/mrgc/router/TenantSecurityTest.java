package io.mrgc.router;

import static io.mrgc.router.FakeAgent.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.router.ppv2.ProxyHeaders;
import io.mrgc.state.ApiKeys;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.mrgc.state.TenantRepository;
import io.mrgc.state.items.TenantItem;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpRequest;
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

/**
 * Tenant security end to end: API keys, rate limits, model allowlists, encrypted bodies only, the tenant header, and
 * the PROXY protocol v2 listener with VPC endpoint allowlists. One router (and one fake agent) for all tests; each
 * test uses its own tenants.
 */
@ExtendWith(VertxExtension.class)
class TenantSecurityTest {
  private static final java.util.concurrent.atomic.AtomicInteger TESTS = new java.util.concurrent.atomic.AtomicInteger();
  private static final String VPCE = "vpce-0123456789abcdef0";
  private static LocalState state;
  private static StateClient client;
  private Vertx vertx;
  private WebClient web;
  private FakeAgent agent;
  private RouterVerticle router;
  private String region;

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
    region = "test-security-" + TESTS.incrementAndGet(); // a region (and so a fleet of one agent) per test
    agent = FakeAgent.start(vertx, "i-sec");
    agent.register(new GpuInstanceRepository(client), region, 0);
    router = deploy(options());
  }

  @AfterEach
  void tearDown() {
    web.close();
  }

  private RouterOptions options() {
    return RouterOptions.defaults(region, "router-1").withHeartbeatStaleAfter(Duration.ofMinutes(5))
        .withProxyProtocolPort(0).withProxyProtocolHeaderTimeout(Duration.ofMillis(500));
  }

  private RouterVerticle deploy(RouterOptions options) {
    RouterVerticle deployed = new RouterVerticle(options, client);
    await(vertx.deployVerticle(deployed));
    return deployed;
  }

  /** An encrypted-looking inference request for model m1 (the body is opaque to the router). */
  private HttpRequest<Buffer> infer(String key) {
    HttpRequest<Buffer> request = web.post(router.actualPort(), "127.0.0.1", "/v2/models/m1/infer")
        .putHeader("content-type", Tenants.ENVELOPE);
    return key == null ? request : request.putHeader("authorization", Tenants.bearer(key));
  }

  private static HttpResponse<Buffer> send(HttpRequest<Buffer> request) {
    return await(request.sendBuffer(Buffer.buffer("{\"edk\":\"opaque\"}")));
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String code) {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.getHeader("content-type")).isEqualTo("application/json");
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo(code);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("requestId"))
        .isEqualTo(response.getHeader("x-request-id"));
  }

  @Test
  void missingWrongAndDisabledKeysGet401WithBearerChallenge() {
    String key = Tenants.create(client, "t-auth");
    String disabledKey = Tenants.create(client, "t-disabled", tenant -> tenant.setDisabled(true));

    HttpResponse<Buffer> missing = send(infer(null));
    assertError(missing, 401, "unauthorized");
    assertThat(missing.getHeader("www-authenticate")).isEqualTo("Bearer");
    assertThat(missing.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("Authorization");
    for (String wrong : List.of(ApiKeys.generate(), "garbage", key + "x", disabledKey)) {
      HttpResponse<Buffer> response = send(infer(wrong));
      assertError(response, 401, "unauthorized");
      assertThat(response.getHeader("www-authenticate")).isEqualTo("Bearer");
      assertThat(response.bodyAsString()).doesNotContain(wrong);
    }
    assertError(send(infer(null).putHeader("authorization", "Basic " + key)), 401, "unauthorized");
    assertThat(agent.requests.get()).isZero();

    assertThat(send(infer(key)).statusCode()).isEqualTo(200);
    assertThat(send(infer(null).putHeader("x-api-key", key)).statusCode()).isEqualTo(200);
    // Metadata needs a key too, but no envelope.
    assertError(await(web.get(router.actualPort(), "127.0.0.1", "/v2/models/m1").send()), 401, "unauthorized");
    assertThat(await(web.get(router.actualPort(), "127.0.0.1", "/v2/models/m1")
        .putHeader("authorization", Tenants.bearer(key)).send()).statusCode()).isEqualTo(200);
    assertThat(router.metrics().rejections("unauthorized")).isEqualTo(7.0);
  }

  @Test
  void rateLimitAnswers429WithRetryAfterAfterTheBurstThenRecovers() throws Exception {
    String key = Tenants.create(client, "t-limited", tenant -> {
      tenant.setRateLimitRps(2.0);
      tenant.setRateLimitBurst(3);
    });
    for (int i = 0; i < 3; i++) {
      assertThat(send(infer(key)).statusCode()).isEqualTo(200);
    }
    HttpResponse<Buffer> limited = send(infer(key));
    assertError(limited, 429, "rate_limited");
    assertThat(Integer.parseInt(limited.getHeader("retry-after"))).isGreaterThanOrEqualTo(1);
    Thread.sleep(1_100L * Integer.parseInt(limited.getHeader("retry-after")));
    assertThat(send(infer(key)).statusCode()).isEqualTo(200);
    // Another tenant has its own bucket.
    assertThat(send(infer(Tenants.create(client, "t-other"))).statusCode()).isEqualTo(200);
  }

  @Test
  void modelAllowlistAnswers403AndInferenceWithoutAModelAnswers400() {
    String key = Tenants.create(client, "t-models", tenant -> tenant.setAllowedModels(List.of("m1")));
    assertThat(send(infer(key)).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> otherPath = send(web.post(router.actualPort(), "127.0.0.1", "/v2/models/m2/infer")
        .putHeader("content-type", Tenants.ENVELOPE).putHeader("authorization", Tenants.bearer(key)));
    assertError(otherPath, 403, "model_not_allowed");
    HttpResponse<Buffer> otherHeader = send(web.post(router.actualPort(), "127.0.0.1", "/v1/embeddings")
        .putHeader("content-type", Tenants.ENVELOPE).putHeader("authorization", Tenants.bearer(key))
        .putHeader("x-mrgc-model", "m2"));
    assertError(otherHeader, 403, "model_not_allowed");
    HttpResponse<Buffer> allowed = send(web.post(router.actualPort(), "127.0.0.1", "/v1/embeddings")
        .putHeader("content-type", Tenants.ENVELOPE).putHeader("authorization", Tenants.bearer(key))
        .putHeader("x-mrgc-model", "m1"));
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.getHeader("x-seen-model")).isEqualTo("m1");

    HttpResponse<Buffer> noModel = send(web.post(router.actualPort(), "127.0.0.1", "/v1/embeddings")
        .putHeader("content-type", Tenants.ENVELOPE).putHeader("authorization", Tenants.bearer(key)));
    assertError(noModel, 400, "model_required");
    assertThat(noModel.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("x-mrgc-model");
    // A tenant without an allowlist still needs a model for inference.
    String open = Tenants.create(client, "t-any-model");
    assertError(send(web.post(router.actualPort(), "127.0.0.1", "/v1/embeddings")
        .putHeader("content-type", Tenants.ENVELOPE).putHeader("authorization", Tenants.bearer(open))),
        400, "model_required");
  }

  @Test
  void plaintextIsRefusedByDefaultAndAllowedWithAllowPlaintext() {
    String key = Tenants.create(client, "t-plain");
    for (String contentType : List.of("application/json", "text/plain")) {
      HttpResponse<Buffer> refused = send(web.post(router.actualPort(), "127.0.0.1", "/v2/models/m1/infer")
          .putHeader("authorization", Tenants.bearer(key)).putHeader("content-type", contentType));
      assertError(refused, 415, "encryption_required");
      assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("message"))
          .contains("application/vnd.mrgc.envelope+json").contains("SDK");
    }
    assertError(send(web.post(router.actualPort(), "127.0.0.1", "/v2/models/m1/infer")
        .putHeader("authorization", Tenants.bearer(key))), 415, "encryption_required");
    assertThat(agent.requests.get()).isZero();
    assertThat(send(infer(key).putHeader("content-type", Tenants.ENVELOPE + "; charset=utf-8")).statusCode())
        .isEqualTo(200);

    RouterVerticle dev = deploy(options().withAllowPlaintext(true));
    HttpResponse<Buffer> allowed = send(web.post(dev.actualPort(), "127.0.0.1", "/v2/models/m1/infer")
        .putHeader("authorization", Tenants.bearer(key)).putHeader("content-type", "application/json"));
    assertThat(allowed.statusCode()).isEqualTo(200);
  }

  @Test
  void envelopeIsForwardedWithTheAuthenticatedTenantAndWithoutTheKey() {
    String key = Tenants.create(client, "t-envelope");
    HttpResponse<Buffer> response = send(infer(key).putHeader("x-mrgc-tenant", "someone-else")
        .putHeader("x-api-key", key));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("x-seen-tenant")).isEqualTo("t-envelope");
    assertThat(response.getHeader("x-seen-content-type")).isEqualTo(Tenants.ENVELOPE);
    assertThat(response.getHeader("x-seen-authorization")).isEqualTo("null");
    assertThat(response.getHeader("x-seen-api-key")).isEqualTo("null");
    assertThat(response.bodyAsString()).isEqualTo("bytes=16");
  }

  @Test
  void proxyProtocolV2CarriesTheVpcEndpointIdToTheAllowlist() {
    String key = Tenants.create(client, "t-private", tenant -> tenant.setVpcEndpointIds(List.of(VPCE)));
    int proxyPort = router.proxyProtocolPort();
    assertThat(proxyPort).isPositive().isNotEqualTo(router.actualPort());

    String served = rawExchange(proxyPort, ProxyHeaders.inet(VPCE), inferRequest(key));
    assertThat(served).startsWith("HTTP/1.1 200").contains("x-seen-tenant: t-private");

    String otherEndpoint = rawExchange(proxyPort, ProxyHeaders.inet6WithCrc("vpce-0fffffffffffffff0"),
        inferRequest(key));
    assertThat(otherEndpoint).startsWith("HTTP/1.1 403").contains("\"code\":\"vpc_endpoint_not_allowed\"");
    String noEndpoint = rawExchange(proxyPort, ProxyHeaders.local(), inferRequest(key));
    assertThat(noEndpoint).startsWith("HTTP/1.1 403").contains("vpc_endpoint_not_allowed");

    assertError(send(infer(key)), 403, "vpc_endpoint_not_allowed"); // the plain listener has no endpoint id

    // An unrestricted tenant may use either listener.
    String open = Tenants.create(client, "t-public");
    assertThat(rawExchange(proxyPort, ProxyHeaders.inet(VPCE), inferRequest(open))).startsWith("HTTP/1.1 200");
  }

  @Test
  void garbageMissingOrSlowProxyHeadersGetTheConnectionClosed() {
    String key = Tenants.create(client, "t-garbage");
    int proxyPort = router.proxyProtocolPort();
    assertThat(rawExchange(proxyPort, Buffer.buffer(), inferRequest(key))).as("plain HTTP, no header").isEmpty();
    Buffer garbage = ProxyHeaders.inet(VPCE);
    garbage.setUnsignedByte(12, (short) 0x31);
    assertThat(rawExchange(proxyPort, garbage, inferRequest(key))).isEmpty();
    assertThat(rawExchange(proxyPort, Buffer.buffer("\r\n\r\n\0\r\nQUIT"), Buffer.buffer())).as("stalls").isEmpty();
    assertThat(agent.requests.get()).isZero();
  }

  private Buffer inferRequest(String key) {
    String body = "{\"edk\":\"opaque\"}";
    return Buffer.buffer("POST /v2/models/m1/infer HTTP/1.1\r\nHost: router\r\nAuthorization: Bearer " + key
        + "\r\nContent-Type: " + Tenants.ENVELOPE + "\r\nContent-Length: " + body.length()
        + "\r\nConnection: close\r\n\r\n" + body);
  }

  /** Sends header and request in one write on a raw connection; returns all it got back before the close. */
  private String rawExchange(int port, Buffer header, Buffer request) {
    return RawConnections.exchange(vertx, null, port, header.copy().appendBuffer(request));
  }
}
