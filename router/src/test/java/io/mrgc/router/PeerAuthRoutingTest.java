package io.mrgc.router;

import static io.mrgc.router.FakeAgent.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.common.peer.PeerAuthOptions;
import io.mrgc.common.peer.PeerKey;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Finding 4 (router half): the router signs every forwarded request with the deployment's key, so an agent that
 * checks signatures serves it, and checks the agent's signed answer, so a peer without the key (an impostor on an
 * agent's address, or an agent with another deployment's key) cannot answer in an agent's place: 502
 * {@code upstream_unauthenticated}.
 */
@ExtendWith(VertxExtension.class)
class PeerAuthRoutingTest {
  private static final PeerAuthOptions KEYS = PeerAuthOptions.generate();
  private static LocalState state;
  private static StateClient client;
  private static GpuInstanceRepository instances;
  private static String key;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-east-1");
    instances = new GpuInstanceRepository(client);
    key = Tenants.create(client, "tenant-peer-auth");
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  private static RouterVerticle router(Vertx vertx, String region, PeerAuthOptions auth) {
    RouterVerticle router = new RouterVerticle(RouterOptions.defaults(region, "router-1")
        .withHeartbeatStaleAfter(Duration.ofMinutes(5)).withSnapshotInterval(Duration.ofMillis(200))
        .withAllowPlaintext(true).withAgentAuth(auth), client);
    await(vertx.deployVerticle(router));
    return router;
  }

  private static HttpResponse<Buffer> post(Vertx vertx, RouterVerticle router) {
    WebClient web = WebClient.create(vertx);
    try {
      return await(web.post(router.actualPort(), "127.0.0.1", "/v2/models/m1/infer")
          .putHeader("authorization", Tenants.bearer(key)).sendBuffer(Buffer.buffer("{}")));
    } finally {
      web.close();
    }
  }

  @Test
  void aRequestThroughTheRouterIsSignedAndServed(Vertx vertx) {
    FakeAgent agent = FakeAgent.startWithPeerAuth(vertx, "i-signed", KEYS);
    agent.register(instances, "peer-ok", 0);
    HttpResponse<Buffer> response = post(vertx, router(vertx, "peer-ok", KEYS));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("x-seen-tenant")).isEqualTo("tenant-peer-auth");
    assertThat(agent.unauthenticated.get()).isZero();
    assertThat(response.getHeader("x-mrgc-peer-auth")).as("kept between router and agent").isNull();
  }

  @Test
  void aRouterWithoutTheKeyIsRefusedByTheAgent(Vertx vertx) {
    FakeAgent agent = FakeAgent.startWithPeerAuth(vertx, "i-strict", KEYS);
    agent.register(instances, "peer-unsigned", 0);
    HttpResponse<Buffer> response = post(vertx, router(vertx, "peer-unsigned", PeerAuthOptions.none()));
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("peer_unauthenticated");
    assertThat(agent.unauthenticated.get()).isEqualTo(1);
    assertThat(agent.completedBodies.get()).as("nothing of the body was read").isZero();
  }

  @Test
  void anAnswerNotSignedWithTheDeploymentKeyIsRefusedByTheRouter(Vertx vertx) {
    FakeAgent impostor = FakeAgent.start(vertx, "i-impostor"); // answers everything, signs nothing
    impostor.register(instances, "peer-impostor", 0);
    HttpResponse<Buffer> response = post(vertx, router(vertx, "peer-impostor", KEYS));
    assertThat(response.statusCode()).isEqualTo(502);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("upstream_unauthenticated");

    FakeAgent otherDeployment = FakeAgent.startWithPeerAuth(vertx, "i-other", PeerAuthOptions.of(
        new PeerKey(KEYS.current().id(), new byte[32]), null)); // same key id, another secret
    otherDeployment.register(instances, "peer-other", 0);
    HttpResponse<Buffer> refused = post(vertx, router(vertx, "peer-other", KEYS));
    assertThat(refused.statusCode()).isEqualTo(502);
    assertThat(otherDeployment.unauthenticated.get()).isEqualTo(1);
  }
}
