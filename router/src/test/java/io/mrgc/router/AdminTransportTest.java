package io.mrgc.router;

import static io.mrgc.router.FakeAgent.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mrgc.common.net.VertxRuntime;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin listener's {@code /healthz/region} details name the transport of the Vertx the router was deployed on
 * (read from that instance), and the tenant listener's answer does not.
 */
class AdminTransportTest {
  private static LocalState state;
  private static StateClient client;

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

  @Test
  void aRouterOnEpollSaysEpoll() {
    assumeTrue(VertxRuntime.epollUnavailabilityCause() == null, "epoll is not available on this host");
    assertThat(transportShown(VertxRuntime.create(new VertxOptions(), true))).isEqualTo("epoll");
  }

  @Test
  void aRouterOnNioSaysNio() {
    assertThat(transportShown(VertxRuntime.create(new VertxOptions(), false))).isEqualTo("nio");
  }

  private static String transportShown(Vertx vertx) {
    try {
      RouterVerticle router = new RouterVerticle(RouterOptions.defaults("test-transport", "router-1")
          .withAllowPlaintext(true), client);
      await(vertx.deployVerticle(router));
      WebClient web = WebClient.create(vertx);
      JsonObject tenantView = await(web.get(router.actualPort(), "127.0.0.1", "/healthz/region").send())
          .bodyAsJsonObject();
      assertThat(tenantView.fieldNames()).containsExactly("status");
      return await(web.get(router.adminPort(), "127.0.0.1", "/healthz/region").send()).bodyAsJsonObject()
          .getString("transport");
    } finally {
      await(vertx.close());
    }
  }
}
