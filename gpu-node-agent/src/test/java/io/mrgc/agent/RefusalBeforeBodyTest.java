package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.await;
import static io.mrgc.agent.AgentFixture.embeddingsRequest;
import static io.mrgc.agent.AgentFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.InstanceState;
import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An instance that takes no requests answers 503 before the body is sent: with {@code Expect: 100-continue} the
 * caller never gets {@code 100 Continue} and sends nothing, so a router can retry elsewhere.
 */
@ExtendWith(VertxExtension.class)
class RefusalBeforeBodyTest {
  @TempDir
  static Path root;
  private static StateClient state;
  private static HttpClient client;

  @BeforeAll
  static void setUp(Vertx vertx) {
    ModelInstaller.installMiniLm(root);
    state = AgentFixture.stateClient();
    client = vertx.createHttpClient();
  }

  @AfterAll
  static void tearDown() {
    client.close();
    state.close();
  }

  /** An answer, and whether the body was ever sent (only after 100 Continue). */
  private record Sent(HttpClientResponse response, Buffer body, boolean bodySent) {}

  /** POSTs an embeddings request with {@code Expect: 100-continue}; the body goes only on 100 Continue. */
  private static Future<Sent> postExpectingContinue(NodeAgent agent, String requestId) {
    return postExpectingContinue(agent, requestId, "acme");
  }

  /** As above, for {@code tenant} (as a router would forward it). */
  private static Future<Sent> postExpectingContinue(NodeAgent agent, String requestId, String tenant) {
    Buffer body = Buffer.buffer(embeddingsRequest("hello there").encode());
    AtomicBoolean continued = new AtomicBoolean();
    return client.request(HttpMethod.POST, agent.actualPort(), "127.0.0.1", "/v1/embeddings").compose(request -> {
      request.putHeader("content-type", "application/json").putHeader("x-request-id", requestId)
          .putHeader("x-mrgc-tenant", tenant)
          .putHeader("content-length", Integer.toString(body.length())).putHeader("expect", "100-continue");
      request.exceptionHandler(closed -> { }); // a refused request is never ended: its connection just closes
      request.continueHandler(v -> {
        continued.set(true);
        request.end(body);
      });
      return request.sendHead().compose(v -> request.response());
    }).compose(response -> response.body().map(answer -> new Sent(response, answer, continued.get())));
  }

  private static NodeAgent quarantined(Vertx vertx, String id, Duration backgroundChecks, FakeGpuProbe probe) {
    return AgentFixture.deploy(vertx, new NodeAgent(AgentFixture.options(id, root).washTimeout(Duration.ofSeconds(2))
        .backgroundCheckInterval(backgroundChecks).build(), state, null, null, probe));
  }

  private static void assertRefusedUnsent(Sent sent, String state) {
    assertThat(sent.bodySent()).as("body sent").isFalse();
    assertThat(sent.response().statusCode()).isEqualTo(503);
    assertThat(sent.response().getHeader("x-mrgc-instance-state")).isEqualTo(state);
    assertThat(sent.response().getHeader("retry-after")).isEqualTo("1");
    assertThat(sent.response().getHeader("connection")).isEqualTo("close");
    JsonObject error = sent.body().toJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("instance_not_ready");
    assertThat(error.getString("message")).contains(state);
  }

  @Test
  void aReadyInstanceSends100ContinueReadsTheBodyAndAnswersAfterTheWash(Vertx vertx) {
    NodeAgent agent = AgentFixture.start(vertx, state, "i-continue", root, b -> b);
    Sent sent = await(postExpectingContinue(agent, "continue-1"));
    assertThat(sent.bodySent()).isTrue();
    assertThat(sent.response().statusCode()).isEqualTo(200);
    assertThat(sent.response().getHeader("x-mrgc-wash")).isEqualTo("passed");
    assertThat(sent.body().toJsonObject().getJsonArray("data")).hasSize(1);
    await(vertx.undeploy(agent.deploymentID()));
  }

  @Test
  void aQuarantinedInstanceRefusesWithoutTheBodyBeingSent(Vertx vertx) {
    FakeGpuProbe probe = new FakeGpuProbe();
    NodeAgent agent = quarantined(vertx, "i-refuses", Duration.ofMillis(50), probe);
    probe.mode = FakeGpuProbe.Mode.ECC_ERRORS; // the next background check quarantines
    eventually("quarantined", () -> agent.state() == InstanceState.QUARANTINED);

    assertRefusedUnsent(await(postExpectingContinue(agent, "refused-1")), "QUARANTINED");
    assertThat(agent.arrivals()).last().satisfies(arrival -> {
      assertThat(arrival.requestId()).isEqualTo("refused-1");
      assertThat(arrival.state()).isEqualTo(InstanceState.QUARANTINED);
      assertThat(arrival.refused()).isTrue();
    });
    // A direct client without Expect still gets the same answer (its body is not read).
    var plain = await(AgentFixture.postJson(AgentFixture.client(vertx), agent, "/v1/embeddings",
        embeddingsRequest("hello")));
    assertThat(plain.statusCode()).isEqualTo(503);
    assertThat(plain.getHeader("x-mrgc-instance-state")).isEqualTo("QUARANTINED");
    // The process probe agrees: alive, not ready.
    var probes = AgentFixture.client(vertx);
    var readyz = await(probes.get(agent.actualPort(), "127.0.0.1", "/readyz").send());
    assertThat(readyz.statusCode()).isEqualTo(503);
    assertThat(readyz.bodyAsString()).isEqualTo("not ready: QUARANTINED\n");
    assertThat(await(probes.get(agent.actualPort(), "127.0.0.1", "/livez").send()).statusCode()).isEqualTo(200);
    probes.close();
    await(vertx.undeploy(agent.deploymentID()));
  }

  @Test
  void anotherTenantsRequestWaitingForTheInstanceIsRefusedUnreadWhenTheWashBetweenTenantsQuarantines(Vertx vertx) {
    FakeGpuProbe probe = new FakeGpuProbe();
    // No background rounds on a timer: the wash between tenants runs its round itself, and that one hangs.
    NodeAgent agent = quarantined(vertx, "i-refuses-queued", Duration.ofHours(1), probe);
    Sent first = await(postExpectingContinue(agent, "first", "acme"));
    assertThat(first.response().statusCode()).isEqualTo(200);
    assertThat(agent.state()).as("acme's turn goes on while it idles").isEqualTo(InstanceState.BUSY);
    probe.mode = FakeGpuProbe.Mode.HANG;
    Sent waiting = await(postExpectingContinue(agent, "waiting", "globex"));
    assertRefusedUnsent(waiting, "QUARANTINED");
    assertThat(agent.lifecycle().state()).isEqualTo(InstanceState.QUARANTINED);
    await(vertx.undeploy(agent.deploymentID()));
  }
}
