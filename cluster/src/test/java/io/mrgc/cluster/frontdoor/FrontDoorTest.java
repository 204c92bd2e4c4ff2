package io.mrgc.cluster.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.items.RoutingStateItem;
import io.mrgc.wire.Headers;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The front door against three fake routers that answer with their region's name. */
class FrontDoorTest {
  @RegisterExtension static final RoutingStateFixture STATE = new RoutingStateFixture();
  private Vertx vertx;
  private final Map<String, Boolean> regionUp = new ConcurrentHashMap<>();
  private FrontDoor frontDoor;
  private WebClient web;
  private final java.util.List<HttpServer> routerServers = new java.util.ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    Map<String, URI> routers = new LinkedHashMap<>();
    for (String region : Regions.ALL) {
      regionUp.put(region, true);
      HttpServer server = vertx.createHttpServer().requestHandler(request -> {
        if (request.path().equals("/healthz/region")) {
          request.response().setStatusCode(regionUp.get(region) ? 200 : 503).end();
        } else {
          request.body().onSuccess(body -> request.response()
              .putHeader("x-mrgc-region", region)
              .end(new JsonObject().put("region", region).put("echo", body.toString()).encode()));
        }
      }).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
      routerServers.add(server);
      routers.put(region, URI.create("http://127.0.0.1:" + server.actualPort()));
    }
    FrontDoorOptions options = FrontDoorOptions.defaults(routers).withPort(0)
        .withHealthCheck(new HealthCheckOptions(Duration.ofMillis(100), 2, Duration.ofMillis(500), "/healthz/region"));
    frontDoor = new FrontDoor(new FrontDoorOptions(options.anycastAddresses(), 0, routers, "us-east-1", Map.of(),
        options.healthCheck(), Duration.ofMillis(100)), STATE.routing());
    vertx.deployVerticle(frontDoor).await(10, TimeUnit.SECONDS);
    web = WebClient.create(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    resetDial("us-east-1");
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void bothAnycastAddressesReachTheHomeRegionAndStreamTheBody() throws Exception {
    for (Map.Entry<String, Integer> address : frontDoor.actualPorts().entrySet()) {
      HttpResponse<Buffer> response = post(address.getKey(), address.getValue(), null, "hello");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.bodyAsJsonObject().getString("region")).isEqualTo("us-east-1");
      assertThat(response.bodyAsJsonObject().getString("echo")).isEqualTo("hello");
    }
    assertThat(post(null, 0, "us-west-2", "x").bodyAsJsonObject().getString("region")).isEqualTo("us-west-2");
  }

  @Test
  void unknownHomeRegionHeaderIsRejectedWithJsonError() throws Exception {
    HttpResponse<Buffer> response = post(null, 0, "mars-1", "x");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("unknown_home_region");
    assertThat(post(null, 0, null, "x").statusCode()).isEqualTo(200);
  }

  @Test
  void failedRegionalHealthMovesTrafficToTheNextRegionAndBack() throws Exception {
    regionUp.put("us-east-1", false);
    awaitRegion("us-east-2");
    assertThat(frontDoor.healthy("us-east-1")).isFalse();
    regionUp.put("us-east-1", true);
    awaitRegion("us-east-1");
  }

  @Test
  void dialZeroInRoutingStateSendsTheHomeRegionsTrafficOnward() throws Exception {
    RoutingStateRepository routing = STATE.routing();
    RoutingStateItem row = routing.get("us-east-1").join();
    row.setTrafficDial(0);
    routing.writeFenced(row, row.getFencingToken()).join();
    awaitRegion("us-east-2");
    for (int i = 0; i < 20; i++) {
      assertThat(post(null, 0, null, "x").bodyAsJsonObject().getString("region")).isEqualTo("us-east-2");
    }
  }

  @Test
  void noReachableRegionGetsAJsonErrorNotAnEmpty502() throws Exception {
    for (HttpServer server : routerServers) {
      server.close().await(5, TimeUnit.SECONDS);
    }
    HttpResponse<Buffer> response = post(null, 0, null, "x");
    assertThat(response.statusCode()).isEqualTo(502);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("region_unreachable");
    assertThat(response.getHeader("x-request-id")).isNotBlank();
  }

  private void resetDial(String region) {
    RoutingStateRepository routing = STATE.routing();
    RoutingStateItem row = routing.get(region).join();
    row.setTrafficDial(100);
    routing.writeFenced(row, row.getFencingToken()).join();
  }

  private void awaitRegion(String expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String seen = null;
    while (System.nanoTime() < deadline) {
      seen = post(null, 0, null, "x").bodyAsJsonObject().getString("region");
      if (expected.equals(seen)) {
        return;
      }
      Thread.sleep(50);
    }
    assertThat(seen).as("region serving the default home after waiting").isEqualTo(expected);
  }

  private HttpResponse<Buffer> post(String address, int port, String homeHeader, String body) throws Exception {
    String host = address == null ? "127.0.1.1" : address;
    int p = port == 0 ? frontDoor.actualPorts().get(host) : port;
    var request = web.post(p, host, "/v1/embeddings");
    if (homeHeader != null) {
      request.putHeader(Headers.HOME_REGION, homeHeader);
    }
    return request.sendBuffer(Buffer.buffer(body)).await(10, TimeUnit.SECONDS);
  }
}
