package io.mrgc.cluster.frontdoor;

import static io.mrgc.cluster.frontdoor.Eventually.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.common.config.ConfigSource;
import io.mrgc.common.service.ServiceRunner;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mrgc serve front-door} as the runner builds it: from a YAML file alone (mode local, DynamoDB Local), in
 * front of two fake routers of one region; its admin listener; and its graceful stop.
 */
class FrontDoorServiceTest {
  @RegisterExtension static final RoutingStateFixture STATE = new RoutingStateFixture();
  @TempDir Path dir;
  private Vertx vertx;
  private FakeRouter a;
  private FakeRouter b;
  private FrontDoorService service;
  private HttpClient http;
  private HttpClient adminHttp;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    a = FakeRouter.start(vertx, "a");
    b = FakeRouter.start(vertx, "b");
    Path file = dir.resolve("front-door.yaml");
    Files.writeString(file, """
        mode: local
        region: us-east-1
        state:
          endpoint: %s
        anycastAddresses: [127.0.1.1]
        port: 0
        routers:
          us-east-1: [%s, %s]
        healthCheck:
          interval: 100ms
        dialRefresh: 200ms
        tls:
          enabled: false
        admin:
          port: 0
        """.formatted(STATE.endpoint(), a.url(), b.url()));
    FrontDoorServiceDefinition definition = new FrontDoorServiceDefinition();
    ServiceRunner.Loaded<FrontDoorServiceConfig> loaded =
        ServiceRunner.load(definition, ConfigSource.load(file, Map.of()));
    service = (FrontDoorService) definition.create(loaded.config(), vertx);
    service.start().await(20, TimeUnit.SECONDS);
    http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    // The admin listener is polled every 20 ms: kept-alive connections, not a new one (and its close) per poll, which
    // once left a poll on a connection the server was closing until its 30 s idle timeout.
    adminHttp = vertx.createHttpClient(new HttpClientOptions());
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Proves the service from its file proxies to the region's routers and reports their health on its admin port. */
  @Test
  void servesFromItsFileAloneAndReportsEachRoutersHealth() throws Exception {
    for (int i = 0; i < 10; i++) {
      assertThat(send().await(10, TimeUnit.SECONDS)).isIn("200 a", "200 b");
    }
    assertThat(admin("/readyz")).isEqualTo("200 ready\n");
    b.failHealth(true);
    awaitTrue("router b reported unhealthy", () -> healthz().getJsonObject("regions").getJsonObject("us-east-1")
        .getJsonObject("routers").getString(b.url().toString()).equals("unhealthy"));
    JsonObject region = healthz().getJsonObject("regions").getJsonObject("us-east-1");
    assertThat(region.getBoolean("healthy")).isTrue();
    assertThat(region.getJsonObject("routers").getString(a.url().toString())).isEqualTo("healthy");
  }

  /**
   * Proves stop(grace) lets a request in flight finish, says so in its account, and then accepts no connection.
   */
  @Test
  void stopLetsInFlightRequestsFinishAndStopsAccepting() throws Exception {
    a.delay(Duration.ofMillis(700));
    b.delay(Duration.ofMillis(700));
    int port = service.frontDoor().actualPorts().get("127.0.1.1");
    Future<String> inFlight = send();
    awaitTrue("request in flight", () -> service.frontDoor().inFlight() == 1);
    String account = service.stop(Duration.ofSeconds(10)).await(15, TimeUnit.SECONDS);
    assertThat(inFlight.await(5, TimeUnit.SECONDS)).isIn("200 a", "200 b");
    assertThat(account).isEqualTo("stopped accepting on 127.0.1.1:" + port
        + "; 1 in-flight request(s) finished, 0 cut off at the 10000 ms grace");
    assertThatThrownBy(() -> send().await(5, TimeUnit.SECONDS)).as("a connection after the stop").isNotNull();
  }

  /** Proves the grace bounds the stop: a request its router never answers is cut off and counted. */
  @Test
  void stopCutsOffWhatOutlivesTheGrace() throws Exception {
    a.delay(Duration.ofMinutes(1));
    b.delay(Duration.ofMinutes(1));
    Future<String> stuck = send();
    awaitTrue("request in flight", () -> service.frontDoor().inFlight() == 1);
    String account = service.stop(Duration.ofMillis(300)).await(10, TimeUnit.SECONDS);
    assertThat(account).endsWith("; 0 in-flight request(s) finished, 1 cut off at the 300 ms grace");
    assertThatThrownBy(() -> stuck.await(5, TimeUnit.SECONDS)).as("the cut-off request").isNotNull();
  }

  private Future<String> send() {
    return TenantCalls.post(http, service.frontDoor());
  }

  private String admin(String path) {
    try {
      return TenantCalls.retried(() -> adminHttp.request(new RequestOptions().setMethod(HttpMethod.GET)
              .setHost("127.0.0.1").setPort(service.adminPort()).setURI(path)
              .setIdleTimeout(TenantCalls.ATTEMPT_MILLIS))
          .compose(request -> request.send())
          .compose(response -> response.body().map(body -> response.statusCode() + " " + body)));
    } catch (Exception e) {
      throw new AssertionError("the admin listener did not answer " + path, e);
    }
  }

  private JsonObject healthz() {
    String answer = admin("/healthz");
    return new JsonObject(answer.substring(answer.indexOf(' ') + 1));
  }

}
