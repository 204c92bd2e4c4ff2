package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.common.net.RawConnection;
import io.mrgc.state.TenantRepository;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #10 findings 1, 3 and 6 through a whole local cluster (front door, routers, real agents): the allowlist
 * bypass by path normalization, the PrivateLink listener, and what the tenant-facing side shows. Each test fails on
 * the cluster before the hardening. Plaintext bodies (allowPlaintext) keep the requests short; the encrypted path
 * binds to the same canonical path (EnvelopeCodec).
 */
class ClusterEdgeTest {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final String VPCE = "vpce-0123456789abcdef0";
  @TempDir
  static Path stateDir;
  private static LocalCluster cluster;
  private static WebClient web;
  private static URI anycast;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(LocalClusterOptions.ephemeral(stateDir).withAgentsPerRegion(1)
        .withAllowPlaintext(true).withEdge(LocalEdgePorts.ephemeral().withPrivateLinkBasePort(0)));
    cluster.awaitServing(Duration.ofSeconds(60));
    web = WebClient.create(cluster.vertx());
    anycast = cluster.anycastUrls().values().iterator().next();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static HttpResponse<Buffer> post(URI base, String path, String apiKey, String modelHeader) {
    var request = web.post(base.getPort(), base.getHost(), path).putHeader("Authorization", "Bearer " + apiKey);
    if (modelHeader != null) {
      request.putHeader("x-mrgc-model", modelHeader);
    }
    return await(request.sendJsonObject(new JsonObject().put("model", MODEL).put("input", "x")));
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static String code(HttpResponse<Buffer> response) {
    return response.bodyAsJsonObject().getJsonObject("error").getString("code");
  }

  /**
   * The exploit of finding 1: a tenant allowed only model "cheap" named it in the header and reached MiniLM through
   * a path the agent normalized. Now every spelling is 400 invalid_path, and the honest one 403.
   */
  @Test
  void aTenantCannotReachAModelOutsideItsAllowlistThroughThePath() {
    TenantAdmin.Credentials cheap = cluster.createTenant("cheap-only",
        new TenantAdmin.TenantSettings(List.of("cheap"), List.of(), null, null));
    for (String path : List.of("/v2/models/cheap/../" + MODEL + "/infer", "/v2/models/cheap/%2e%2e/" + MODEL
        + "/infer", "/v2/models/%61ll-minilm-l6-v2/infer", "/v2/models/cheap%2f..%2f" + MODEL + "/infer")) {
      HttpResponse<Buffer> response = post(anycast, path, cheap.apiKey(), "cheap");
      assertThat(response.statusCode()).as(path).isEqualTo(400);
      assertThat(code(response)).as(path).isEqualTo("invalid_path");
    }
    HttpResponse<Buffer> honest = post(anycast, "/v2/models/" + MODEL + "/infer", cheap.apiKey(), "cheap");
    assertThat(code(honest)).isEqualTo("model_mismatch");
    assertThat(code(post(anycast, "/v2/models/" + MODEL + "/infer", cheap.apiKey(), null)))
        .isEqualTo("model_not_allowed");
  }

  /** Finding 6: before, the front door and the routers served /metrics and the region's counts to anyone. */
  @Test
  void theTenantSideShowsNoMetricsNoRegionDetailsAndNoInstanceIdsUnlessAsked() throws Exception {
    TenantAdmin.Credentials plain = cluster.createTenant("plain", TenantAdmin.TenantSettings.defaults());
    TenantAdmin.Credentials debug = cluster.createTenant("debugging",
        TenantAdmin.TenantSettings.defaults().withDebugHeaders(true));
    HttpResponse<Buffer> metrics = web.get(anycast.getPort(), anycast.getHost(), "/metrics")
        .putHeader("Authorization", "Bearer " + plain.apiKey()).send().await(10, TimeUnit.SECONDS);
    assertThat(metrics.statusCode()).isEqualTo(404);
    assertThat(metrics.bodyAsString()).doesNotContain("mrgc_");
    URI router = cluster.routerUrls().values().iterator().next();
    JsonObject verdict = web.get(router.getPort(), router.getHost(), "/healthz/region").send()
        .await(10, TimeUnit.SECONDS).bodyAsJsonObject();
    assertThat(verdict).isEqualTo(new JsonObject().put("status", "serving"));

    URI admin = cluster.routerAdminUrls().values().iterator().next();
    assertThat(web.get(admin.getPort(), admin.getHost(), "/metrics").send().await(10, TimeUnit.SECONDS)
        .bodyAsString()).contains("mrgc_router_requests_total");
    assertThat(web.get(admin.getPort(), admin.getHost(), "/healthz/region").send().await(10, TimeUnit.SECONDS)
        .bodyAsJsonObject().getInteger("routable")).isEqualTo(1);

    HttpResponse<Buffer> hidden = post(anycast, "/v1/embeddings", plain.apiKey(), MODEL);
    assertThat(hidden.statusCode()).isEqualTo(200);
    assertThat(hidden.getHeader("x-mrgc-instance")).isNull();
    assertThat(hidden.getHeader("x-mrgc-region")).isNotBlank();
    HttpResponse<Buffer> shown = post(anycast, "/v1/embeddings", debug.apiKey(), MODEL);
    assertThat(shown.statusCode()).isEqualTo(200);
    assertThat(shown.getHeader("x-mrgc-instance")).startsWith("i-local-");
  }

  /** The tenant row's debug flag is set by `mrgc tenant create --debug-headers` and `mrgc tenant update`. */
  @Test
  void tenantCommandsSetTheDebugHeadersFlag() {
    URI dynamoDb = cluster.dynamoDb().endpoint();
    TenantRepository rows = new TenantRepository(cluster.stateClient(cluster.regions().get(0)));
    MrgcRun created = MrgcRun.against(dynamoDb, "tenant", "create", "--tenant", "dbg", "--debug-headers",
        "--state-dir", stateDir.toString());
    assertThat(created.exit()).as(created.err()).isZero();
    assertThat(rows.get("dbg").join().isDebugHeaders()).isTrue();
    MrgcRun updated = MrgcRun.against(dynamoDb, "tenant", "update", "--tenant", "dbg", "--debug-headers", "false");
    assertThat(updated.exit()).as(updated.err()).isZero();
    assertThat(updated.out()).contains("tenant dbg: debug headers off");
    assertThat(rows.get("dbg").join().isDebugHeaders()).isFalse();
    MrgcRun unknown = MrgcRun.against(dynamoDb, "tenant", "update", "--tenant", "nobody", "--debug-headers", "true");
    assertThat(unknown.exit()).isNotZero();
    assertThat(unknown.err()).contains("no tenant nobody");
  }

  /**
   * Finding 3 with `mrgc up --privatelink-port`: a tenant bound to a VPC endpoint is served through the PrivateLink
   * listener (a trusted loopback peer sending the NLB's PROXY v2 header) and refused through the front door.
   */
  @Test
  void aPrivateLinkTenantIsServedThroughItsEndpointOnly() {
    TenantAdmin.Credentials isolated = cluster.createTenant("isolated",
        new TenantAdmin.TenantSettings(List.of(), List.of(VPCE), null, null));
    assertThat(cluster.privateLinkAddresses()).hasSameSizeAs(cluster.regions());
    String[] target = cluster.privateLinkAddresses().values().iterator().next().split(":");
    String body = new JsonObject().put("model", MODEL).put("input", "x").encode();
    String answer = rawExchange(target[0], Integer.parseInt(target[1]), proxyHeader(VPCE).appendString(
        "POST /v1/embeddings HTTP/1.1\r\nHost: mrgc\r\nAuthorization: Bearer " + isolated.apiKey()
            + "\r\nContent-Type: application/json\r\nx-mrgc-model: " + MODEL + "\r\nContent-Length: "
            + body.length() + "\r\nConnection: close\r\n\r\n" + body));
    assertThat(answer).startsWith("HTTP/1.1 200");

    HttpResponse<Buffer> viaFrontDoor = post(anycast, "/v1/embeddings", isolated.apiKey(), MODEL);
    assertThat(viaFrontDoor.statusCode()).isEqualTo(403);
    assertThat(code(viaFrontDoor)).isEqualTo("vpc_endpoint_not_allowed");
  }

  /** PROXY v2, PROXY command, TCP over IPv4 (10.1.2.3:40000 -> 10.0.0.1:443), with the AWS VPC endpoint TLV. */
  private static Buffer proxyHeader(String vpce) {
    byte[] id = vpce.getBytes(StandardCharsets.US_ASCII);
    Buffer address = Buffer.buffer(new byte[] {10, 1, 2, 3, 10, 0, 0, 1}).appendUnsignedShort(40000)
        .appendUnsignedShort(443);
    Buffer tlv = Buffer.buffer().appendUnsignedByte((short) 0xEA).appendUnsignedShort(id.length + 1)
        .appendUnsignedByte((short) 0x01).appendBytes(id);
    return Buffer.buffer(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21,
        0x11}).appendUnsignedShort(address.length() + tlv.length()).appendBuffer(address).appendBuffer(tlv);
  }

  private static String rawExchange(String host, int port, Buffer bytes) {
    NetClient net = cluster.vertx().createNetClient();
    try {
      return await(RawConnection.open(cluster.vertx(), net, host, port, socket -> socket.write(bytes))
          .compose(RawConnection::closed));
    } finally {
      net.close();
    }
  }
}
