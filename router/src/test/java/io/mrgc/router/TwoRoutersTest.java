package io.mrgc.router;

import static io.mrgc.router.FakeAgent.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two routers of one region (distinct router ids, one DynamoDB) send to the same instances. Each knows only its own
 * dispatches, so both pick the same READY instance at times: the agent's door is the arbiter (here a
 * {@link FakeAgent} that serves one request at a time and answers 429 overloaded to any other, like InstanceGate
 * with {@code maxQueuedRequests} = 1), and the refused router must serve the request elsewhere or later.
 */
@ExtendWith(VertxExtension.class)
class TwoRoutersTest {
  private static final String REGION = "test-two-routers";
  private static LocalState state;
  private static StateClient client;
  private static GpuInstanceRepository instances;
  private Thread heartbeats;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-west-2");
    instances = new GpuInstanceRepository(client);
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  @AfterEach
  void stopHeartbeats() throws InterruptedException {
    if (heartbeats != null) {
      heartbeats.interrupt();
      heartbeats.join(10_000);
    }
  }

  private RouterVerticle deploy(Vertx vertx, String routerId) {
    RouterVerticle router = new RouterVerticle(RouterOptions.defaults(REGION, routerId)
        .withHeartbeatStaleAfter(Duration.ofMinutes(5)).withSnapshotInterval(Duration.ofMillis(100))
        .withAllowPlaintext(true), client);
    await(vertx.deployVerticle(router));
    return router;
  }

  /** The agents' heartbeats, as the real ones write them every second: they end the holds after a refusal. */
  private void heartbeat(List<FakeAgent> agents) {
    heartbeats = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          agents.forEach(agent -> agent.heartbeat(instances, REGION, 0));
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          // a write raced the agent row's version: the next beat writes again
        }
      }
    }, "fake-heartbeats");
    heartbeats.start();
  }

  @Test
  void bothRoutersPickingTheSameInstanceAreArbitratedByTheAgentAndTheRefusedOneServesElsewhere(Vertx vertx) {
    List<FakeAgent> agents = new ArrayList<>();
    for (String id : List.of("i-1", "i-2", "i-3")) {
      FakeAgent agent = FakeAgent.start(vertx, id);
      agent.admissionLimit = 1;
      agent.responseDelayMillis = 5;
      agent.register(instances, REGION, 0);
      agents.add(agent);
    }
    heartbeat(agents);
    String[] keys = {Tenants.create(client, "t-two-a", TwoRoutersTest::unlimited),
        Tenants.create(client, "t-two-b", TwoRoutersTest::unlimited)};
    RouterVerticle[] routers = {deploy(vertx, "router-a"), deploy(vertx, "router-b")};
    HttpClient http = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(128));

    int requests = 80;
    List<Future<Integer>> answers = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      Buffer body = Buffer.buffer("x".repeat(100 + i));
      RequestOptions infer = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
          .setPort(routers[i % 2].actualPort()).setURI("/v2/models/m1/infer")
          .putHeader("authorization", Tenants.bearer(keys[(i / 2) % 2]));
      answers.add(http.request(infer).compose(request -> request.send(body))
          .compose(response -> response.body().map(received -> response.statusCode())));
    }
    await(Future.join(answers));

    for (int i = 0; i < requests; i++) {
      assertThat(answers.get(i).result()).as("request %d: no client error", i).isEqualTo(200);
    }
    assertThat(agents).allSatisfy(agent -> {
      assertThat(agent.maxConcurrent.get()).as("requests %s ran at once", agent.id).isEqualTo(1);
      assertThat(agent.maxTenantsAtOnce.get()).as("tenants %s served at once", agent.id).isEqualTo(1);
      assertThat(agent.bodyBytes.get()).as("bodies %s received", agent.id).isPositive();
    });
    int refusedByAgents = agents.stream().mapToInt(agent -> agent.overloaded.get()).sum();
    assertThat(refusedByAgents).as("the routers collided at an instance").isPositive();
    double counted = 0;
    double retried = 0;
    for (RouterVerticle router : routers) {
      counted += router.metrics().refusalsFor("overloaded");
      retried += router.metrics().retries("overloaded");
      assertThat(router.outliers().isEjected("i-1") || router.outliers().isEjected("i-2")
          || router.outliers().isEjected("i-3")).as("a refusal ejects nothing").isFalse();
    }
    assertThat(counted).as("every refusal counted by the router it refused").isEqualTo(refusedByAgents);
    assertThat(retried).as("and retried (no request gave up)").isEqualTo(refusedByAgents);
    assertThat(routers[0].metrics().scrape() + routers[1].metrics().scrape())
        .containsPattern("mrgc_router_refusals_total\\{instance=\"i-\\d\",reason=\"overloaded\",region=\"" + REGION
            + "\"} [1-9]")
        .containsPattern("mrgc_router_retries_total\\{reason=\"overloaded\",region=\"" + REGION + "\"} [1-9]")
        .containsPattern("mrgc_router_holds_total\\{region=\"" + REGION + "\",state=\"BUSY\"} [1-9]");
    await(http.close());
  }

  private static void unlimited(io.mrgc.state.items.TenantItem tenant) {
    tenant.setRateLimitRps(100_000.0);
    tenant.setRateLimitBurst(100_000);
  }
}
