package io.mrgc.cluster.frontdoor;

import static io.mrgc.cluster.frontdoor.Eventually.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.common.net.ListenerLimits;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Several routers in one region behind the front door, as a region's router tasks sit behind its NLB. */
class FrontDoorRoutersTest {
  private static final String REGION = Regions.US_EAST_1;
  @RegisterExtension static final RoutingStateFixture STATE = new RoutingStateFixture();
  private Vertx vertx;
  private FakeRouter a;
  private FakeRouter b;
  private FrontDoor frontDoor;
  private HttpClient newConnectionEach;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    a = FakeRouter.start(vertx, "a");
    b = FakeRouter.start(vertx, "b");
    FrontDoorOptions options = new FrontDoorOptions(List.of("127.0.1.1"), 0, Map.of(REGION, List.of(a.url(), b.url())),
        REGION, Map.of(), new HealthCheckOptions(Duration.ofMillis(100), 2, Duration.ofMillis(500),
        HealthCheckOptions.DEFAULT_PATH), Duration.ofMillis(200), FrontDoorTls.none(), ListenerLimits.defaults());
    frontDoor = new FrontDoor(options, STATE.routing());
    vertx.deployVerticle(frontDoor).await(10, TimeUnit.SECONDS);
    newConnectionEach = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Proves new connections are spread over both routers, and that a kept-alive connection stays on its router. */
  @Test
  void connectionsAreSpreadOverTheRoutersAndAKeptAliveConnectionStaysOnItsRouter() throws Exception {
    for (int i = 0; i < 40; i++) {
      assertThat(send(newConnectionEach)).isIn("a", "b");
    }
    assertThat(a.served()).as("requests router a served").isGreaterThan(0);
    assertThat(b.served()).as("requests router b served").isGreaterThan(0);

    HttpClient keptAlive = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(1));
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      seen.add(send(keptAlive));
    }
    assertThat(seen).as("routers one kept-alive connection reached").hasSize(1);
  }

  /**
   * Proves a router that refuses connections gets none of the new ones and no client sees an error, before any
   * health check noticed (the connect failure is tried on the region's other router), and the region stays healthy.
   */
  @Test
  void aStoppedRoutersConnectionsGoToTheOtherWithoutAClientError() throws Exception {
    b.stop();
    for (int i = 0; i < 30; i++) {
      assertThat(send(newConnectionEach)).isEqualTo("a");
    }
    assertThat(frontDoor.routerHealth().get(REGION)).containsEntry(a.url(), true).containsEntry(b.url(), false);
    assertThat(frontDoor.healthy(REGION)).isTrue();
  }

  /**
   * Proves a router failing its health checks is taken out (all new connections go to the other), the region is
   * unhealthy only once both fail, and both come back when their checks pass again.
   */
  @Test
  void aRouterFailingHealthIsTakenOutAndTheRegionFailsOnlyWhenBothDo() throws Exception {
    b.failHealth(true);
    awaitTrue("router b taken out", () -> !frontDoor.routerHealth().get(REGION).get(b.url()));
    int servedByB = b.served();
    for (int i = 0; i < 30; i++) {
      assertThat(send(newConnectionEach)).isEqualTo("a");
    }
    assertThat(b.served()).isEqualTo(servedByB);
    assertThat(frontDoor.healthy(REGION)).isTrue();

    a.failHealth(true);
    awaitTrue("region unhealthy once both routers fail", () -> !frontDoor.healthy(REGION));
    a.failHealth(false);
    b.failHealth(false);
    awaitTrue("both routers back", () -> frontDoor.routerHealth().get(REGION).values().stream().allMatch(h -> h));
    assertThat(frontDoor.healthy(REGION)).isTrue();
  }

  private String send(HttpClient http) throws Exception {
    String answer = TenantCalls.retried(() -> TenantCalls.post(http, frontDoor));
    assertThat(answer).startsWith("200 ");
    return answer.substring(4);
  }
}
