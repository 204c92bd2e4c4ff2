package io.mrgc.router;

import static io.mrgc.router.FakeAgent.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.router.ppv2.ProxyHeaders;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #10 findings 1, 3 and 6 at the router, end to end with a fake agent: non-canonical paths are refused before
 * anything else, the path's model is the one authorized and forwarded, PROXY v2 headers count only from trusted
 * networks, and the tenant listener shows no metrics, no region details and (unless the tenant asked) no instance
 * ids. Each test fails on the router before the hardening.
 */
@ExtendWith(VertxExtension.class)
class EdgeHardeningTest {
  private static final AtomicInteger TESTS = new AtomicInteger();
  private static final String VPCE = "vpce-0aaaaaaaaaaaaaaa0";
  private static LocalState state;
  private static StateClient client;
  private Vertx vertx;
  private WebClient web;
  private FakeAgent agent;
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
    region = "test-edge-" + TESTS.incrementAndGet();
    agent = FakeAgent.start(vertx, "i-edge");
    agent.register(new GpuInstanceRepository(client), region, 0);
  }

  @AfterEach
  void tearDown() {
    web.close();
  }

  private RouterVerticle deploy(UnaryOperator<RouterOptions> tune) {
    RouterVerticle router = new RouterVerticle(tune.apply(RouterOptions.defaults(region, "router-1")
        .withHeartbeatStaleAfter(Duration.ofMinutes(5)).withAllowPlaintext(true)), client);
    await(vertx.deployVerticle(router));
    return router;
  }

  private static String code(HttpResponse<Buffer> response) {
    return response.bodyAsJsonObject().getJsonObject("error").getString("code");
  }

  /**
   * The exploit of finding 1 and its other spellings: before, the router checked the header's model A and forwarded
   * the raw path, which the agent normalized to model B. Now each is 400 invalid_path, before the key is even
   * looked at (no key sent here: not 401), and nothing reaches the agent.
   */
  @Test
  void nonCanonicalPathsAreRefusedBeforeAuthenticationAndNeverForwarded() {
    RouterVerticle router = deploy(o -> o);
    for (String path : List.of("/v2/models/m1/../m2/infer", "/v2/models/m1/%2e%2e/m2/infer",
        "/v2/models/%6d2/infer", "/v2/models/m1%2f..%2fm2/infer", "/v2//models/m2/infer", "/v2/models/m2/infer/",
        "/v2/models/m1/./infer", "/v2/models/m1;x=1/infer", "/v1/embeddings?model=m2", "/v1/%65mbeddings")) {
      HttpResponse<Buffer> response = await(web.post(router.actualPort(), "127.0.0.1", path)
          .putHeader("x-mrgc-model", "m1").sendBuffer(Buffer.buffer("{}")));
      assertThat(response.statusCode()).as(path).isEqualTo(400);
      assertThat(code(response)).as(path).isEqualTo("invalid_path");
      assertThat(response.getHeader("connection")).as("the announced body is not read").isEqualTo("close");
    }
    assertThat(agent.requests.get()).isZero();
    assertThat(router.metrics().rejections("invalid_path")).isEqualTo(10.0);
  }

  /**
   * The header cannot name another model than the path: before, a mismatch was silently resolved (header ignored
   * on OIP paths); now it is 400 model_mismatch, and the agent gets the path's model, which the allowlist checked.
   */
  @Test
  void thePathsModelIsTheOneAuthorizedAndForwarded() {
    RouterVerticle router = deploy(o -> o);
    String key = Tenants.create(client, "t-only-m1", tenant -> tenant.setAllowedModels(List.of("m1")));
    HttpResponse<Buffer> mismatch = await(web.post(router.actualPort(), "127.0.0.1", "/v2/models/m2/infer")
        .putHeader("authorization", Tenants.bearer(key)).putHeader("x-mrgc-model", "m1")
        .sendBuffer(Buffer.buffer("{}")));
    assertThat(mismatch.statusCode()).isEqualTo(400);
    assertThat(code(mismatch)).isEqualTo("model_mismatch");
    HttpResponse<Buffer> other = await(web.post(router.actualPort(), "127.0.0.1", "/v2/models/m2/infer")
        .putHeader("authorization", Tenants.bearer(key)).sendBuffer(Buffer.buffer("{}")));
    assertThat(code(other)).isEqualTo("model_not_allowed");
    assertThat(agent.requests.get()).isZero();

    HttpResponse<Buffer> served = await(web.post(router.actualPort(), "127.0.0.1", "/v2/models/m1/infer")
        .putHeader("authorization", Tenants.bearer(key)).putHeader("x-mrgc-model", "m1")
        .sendBuffer(Buffer.buffer("{}")));
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.getHeader("x-seen-path")).isEqualTo("/v2/models/m1/infer");
    assertThat(served.getHeader("x-seen-model")).isEqualTo("m1");
  }

  /** Finding 6: before, the tenant port served /metrics and the region's counts to anyone. */
  @Test
  void theTenantListenerShowsNoMetricsAndNoRegionDetailsTheAdminListenerDoes() {
    RouterVerticle router = deploy(o -> o);
    String key = Tenants.create(client, "t-curious");
    assertThat(router.adminPort()).isPositive().isNotEqualTo(router.actualPort());

    HttpResponse<Buffer> metrics = await(web.get(router.actualPort(), "127.0.0.1", "/metrics")
        .putHeader("authorization", Tenants.bearer(key)).send());
    assertThat(metrics.statusCode()).isEqualTo(404);
    assertThat(code(metrics)).isEqualTo("not_found");
    assertThat(metrics.bodyAsString()).doesNotContain("mrgc_");
    HttpResponse<Buffer> health = await(web.get(router.actualPort(), "127.0.0.1", "/healthz/region").send());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.bodyAsJsonObject()).isEqualTo(new JsonObject().put("status", "serving"));
    assertThat(agent.requests.get()).as("nothing was proxied either").isZero();

    HttpResponse<Buffer> scrape = await(web.get(router.adminPort(), "127.0.0.1", "/metrics").send());
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.bodyAsString()).contains("mrgc_router_snapshot_age_seconds");
    JsonObject details = await(web.get(router.adminPort(), "127.0.0.1", "/healthz/region").send())
        .bodyAsJsonObject();
    assertThat(details.getInteger("routable")).isEqualTo(1);
    assertThat(details.getString("region")).isEqualTo(region);
  }

  /** Finding 6: before, every answer named the instance that served it. */
  @Test
  void onlyATenantWithDebugHeadersSeesWhichInstanceServed() {
    RouterVerticle router = deploy(o -> o);
    String plain = Tenants.create(client, "t-plain");
    String debug = Tenants.create(client, "t-debug", tenant -> tenant.setDebugHeaders(true));
    for (String key : List.of(plain, debug)) {
      HttpResponse<Buffer> response = await(web.post(router.actualPort(), "127.0.0.1", "/v1/embeddings")
          .putHeader("authorization", Tenants.bearer(key)).putHeader("x-mrgc-model", "m1")
          .sendBuffer(Buffer.buffer("{}")));
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.getHeader("x-mrgc-region")).isEqualTo(region);
      assertThat(response.getHeader("x-mrgc-instance")).isEqualTo(key.equals(debug) ? "i-edge" : null);
    }
  }

  /**
   * Finding 3: before, anyone who reached the PROXY listener could claim any VPC endpoint id. Now a peer outside
   * the trusted networks (127.0.0.2 against 127.0.0.1/32) is closed without an answer, a trusted one is served
   * with the endpoint it carries, and the public listener never satisfies a VPC endpoint allowlist.
   */
  @Test
  void proxyHeadersCountOnlyFromTrustedPeers() {
    RouterVerticle router = deploy(o -> o.withProxyProtocolPort(0).withEdge(o.edge()
        .withProxyProtocolHost("127.0.0.1").withProxyProtocolTrustedCidrs("127.0.0.1/32")));
    String key = Tenants.create(client, "t-vpce", tenant -> tenant.setVpcEndpointIds(List.of(VPCE)));

    assertThat(rawExchange("127.0.0.2", router.proxyProtocolPort(), ProxyHeaders.inet(VPCE), infer(key)))
        .as("untrusted peer: closed, nothing answered").isEmpty();
    assertThat(agent.requests.get()).isZero();

    assertThat(rawExchange("127.0.0.1", router.proxyProtocolPort(), ProxyHeaders.inet(VPCE), infer(key)))
        .startsWith("HTTP/1.1 200").contains("x-seen-tenant: t-vpce");

    HttpResponse<Buffer> direct = await(web.post(router.actualPort(), "127.0.0.1", "/v1/embeddings")
        .putHeader("authorization", Tenants.bearer(key)).putHeader("x-mrgc-model", "m1")
        .sendBuffer(Buffer.buffer("{}")));
    assertThat(direct.statusCode()).isEqualTo(403);
    assertThat(code(direct)).isEqualTo("vpc_endpoint_not_allowed");
  }

  private static Buffer infer(String key) {
    return Buffer.buffer("POST /v1/embeddings HTTP/1.1\r\nHost: router\r\nAuthorization: Bearer " + key
        + "\r\nx-mrgc-model: m1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
  }

  private String rawExchange(String localAddress, int port, Buffer header, Buffer request) {
    return RawConnections.exchange(vertx, localAddress, port, header.copy().appendBuffer(request));
  }
}
