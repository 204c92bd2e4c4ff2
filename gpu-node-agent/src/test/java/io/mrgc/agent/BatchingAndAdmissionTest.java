package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.await;
import static io.mrgc.agent.AgentFixture.embeddingsRequest;
import static io.mrgc.agent.AgentFixture.eventually;
import static io.mrgc.agent.AgentFixture.postJson;
import static io.mrgc.agent.AgentFixture.vector;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.carwash.lifecycle.InstanceLifecycle;
import io.mrgc.state.InstanceState;
import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

/** Batching within one tenant: a request's inputs split into runs, concurrent requests merged; admission bound. */
@ExtendWith(VertxExtension.class)
class BatchingAndAdmissionTest {
  private static final List<String> SENTENCES = List.of("The cat sleeps on the sofa",
      "Stock markets fell sharply today", "Quantum computers use qubits", "Bake the bread for forty minutes",
      "The striker scored a late goal", "The volcano erupted last night", "Drink plenty of water in summer",
      "The parliament passed a new law", "My laptop battery drains quickly", "Whales migrate thousands of miles");
  @TempDir
  static Path root;
  private static WebClient web;
  private static SdkAsyncHttpClient http;
  private static StateClient unreachable;

  @BeforeAll
  static void setUp(Vertx vertx) {
    ModelInstaller.installMiniLm(root);
    web = AgentFixture.client(vertx);
    // A DynamoDB nobody listens on: heartbeats and wash records fail, the agent must serve regardless.
    http = NettyNioAsyncHttpClient.builder().build();
    unreachable = StateClient.local(URI.create("http://127.0.0.1:9"), AgentFixture.REGION, http);
  }

  @AfterAll
  static void tearDown() {
    web.close();
    unreachable.close();
    http.close();
  }

  @Test
  void aRequestWithMoreInputsThanTheBatchIsSplitIntoSessionRuns(Vertx vertx) {
    NodeAgent agent = AgentFixture.start(vertx, unreachable, "i-split", root, b -> b.maxBatchSize(4));
    List<float[]> alone = new ArrayList<>();
    for (String sentence : SENTENCES) {
      alone.add(vector(await(postJson(web, agent, "/v1/embeddings", embeddingsRequest(sentence))).bodyAsJsonObject(),
          0));
    }
    long runsBefore = agent.sessionRuns();
    HttpResponse<Buffer> split = await(postJson(web, agent, "/v1/embeddings",
        embeddingsRequest(new JsonArray(new ArrayList<>(SENTENCES)))));
    assertThat(split.statusCode()).isEqualTo(200);
    assertThat(agent.sessionRuns() - runsBefore).as("10 inputs in batches of at most 4").isEqualTo(3);
    for (int i = 0; i < SENTENCES.size(); i++) {
      float[] batched = vector(split.bodyAsJsonObject(), i);
      // The fp32 default model: a vector computed in a batch is the single one (up to float rounding, not bit for
      // bit), and it must be its own sentence's vector, which proves the split back is right.
      double own = AgentFixture.cosine(batched, alone.get(i));
      assertThat(own).isGreaterThanOrEqualTo(0.99999);
      for (int j = 0; j < SENTENCES.size(); j++) {
        if (j != i) {
          assertThat(AgentFixture.cosine(batched, alone.get(j))).isLessThan(own);
        }
      }
    }
    await(agent.crash());
  }

  @Test
  void concurrentRequestsOfOneTenantShareSessionRunsInOneTurnEachGettingItsOwnVector(Vertx vertx) {
    NodeAgent agent = AgentFixture.start(vertx, unreachable, "i-one-turn", root,
        b -> b.maxBatchSize(32).idleWashAfter(Duration.ofMillis(300)));
    List<float[]> alone = new ArrayList<>();
    for (String sentence : SENTENCES) {
      alone.add(vector(await(postJson(web, agent, "/v1/embeddings", embeddingsRequest(sentence))).bodyAsJsonObject(),
          0));
    }
    eventually("the first turn ended (idle)", () -> agent.state() == InstanceState.READY);
    List<InstanceLifecycle.Transition> transitions = new CopyOnWriteArrayList<>();
    agent.lifecycle().addListener(transitions::add);
    long runsBefore = agent.sessionRuns();
    List<Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
    for (String sentence : SENTENCES) {
      burst.add(postJson(web, agent, "/v1/embeddings", embeddingsRequest(sentence)));
    }
    await(Future.all(burst));

    assertThat(agent.sessionRuns() - runsBefore).as("requests of one tenant merged into fewer runs")
        .isLessThan(SENTENCES.size());
    for (int i = 0; i < SENTENCES.size(); i++) {
      HttpResponse<Buffer> response = burst.get(i).result();
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.getHeader("x-mrgc-wash")).isEqualTo("passed");
      assertThat(response.getHeader("x-mrgc-instance-state")).isEqualTo("READY");
      // fp32: the same vector alone or batched (up to float rounding), and its own request's
      assertThat(AgentFixture.cosine(vector(response.bodyAsJsonObject(), 0), alone.get(i)))
          .isGreaterThanOrEqualTo(0.99999);
    }
    // One turn for the whole burst: READY -> BUSY, then, once idle, the wash between tenants and READY.
    eventually("the turn ended after idling", () -> transitions.size() == 3);
    assertThat(transitions).extracting(InstanceLifecycle.Transition::to)
        .containsExactly(InstanceState.BUSY, InstanceState.WASHING, InstanceState.READY);
    await(agent.crash());
  }

  @Test
  void aBurstBeyondTheAdmissionBoundGets429WithRetryAfterAndNo5xx(Vertx vertx) {
    NodeAgent agent = AgentFixture.start(vertx, unreachable, "i-admission", root,
        b -> b.maxQueuedRequests(2).maxBatchSize(4));
    JsonArray inputs = new JsonArray();
    for (int i = 0; i < 8; i++) {
      inputs.add("a somewhat longer sentence so that each request keeps the instance busy for a while " + i);
    }
    List<Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      burst.add(postJson(web, agent, "/v1/embeddings", embeddingsRequest(inputs)));
    }
    await(Future.all(burst));
    List<HttpResponse<Buffer>> responses = burst.stream().map(Future::result).toList();
    assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isIn(200, 429));
    assertThat(responses).anySatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
    List<HttpResponse<Buffer>> refused = responses.stream().filter(r -> r.statusCode() == 429).toList();
    assertThat(refused).isNotEmpty().allSatisfy(r -> {
      assertThat(r.getHeader("retry-after")).isEqualTo("1");
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("overloaded");
    });
    assertThat(agent.arrivals()).filteredOn(arrival -> arrival.refused()).hasSize(refused.size());
    // Every admitted request released its slot: right after its answer went out, which the client may see first.
    eventually("every admitted request released its slot",
        () -> agent.admission().queueDepth() == 0 && agent.admission().inFlight() == 0);
    assertThat(await(postJson(web, agent, "/v1/embeddings", embeddingsRequest("after the burst"))).statusCode())
        .isEqualTo(200);
    await(agent.crash());
  }
}
