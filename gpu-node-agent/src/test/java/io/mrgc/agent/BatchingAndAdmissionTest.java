package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.await;
import static io.mrgc.agent.AgentFixture.embeddingsRequest;
import static io.mrgc.agent.AgentFixture.postJson;
import static io.mrgc.agent.AgentFixture.vector;
import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

@ExtendWith(VertxExtension.class)
class BatchingAndAdmissionTest {
  @TempDir
  static Path root;
  private static WebClient web;
  private static SdkAsyncHttpClient http;
  private static StateClient unreachable;

  @BeforeAll
  static void setUp(Vertx vertx) {
    ModelInstaller.installMiniLm(root);
    web = AgentFixture.client(vertx);
    // A DynamoDB nobody listens on: heartbeats fail, the agent must serve regardless.
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
  void concurrentRequestsShareSessionRunsAndMatchUnbatchedResults(Vertx vertx) {
    NodeAgent agent = AgentFixture.start(vertx, unreachable, "i-batching", root,
        b -> b.maxBatchWait(Duration.ofMillis(50)).maxBatchSize(32));
    List<String> sentences = List.of("The cat sleeps on the sofa", "Stock markets fell sharply today",
        "Quantum computers use qubits", "Bake the bread for forty minutes", "The striker scored a late goal",
        "The volcano erupted last night", "Drink plenty of water in summer", "The parliament passed a new law",
        "My laptop battery drains quickly", "Whales migrate thousands of miles", "Learn to play the violin",
        "The train to Boston is delayed", "Tomatoes grow best in full sun", "The museum opens at nine",
        "Interest rates were raised again", "A storm is approaching the coast", "She painted a portrait of her dog",
        "The recipe needs two eggs", "Mount Everest is very high", "Vaccines train the immune system",
        "The band released a new album", "Rust prevents data races at compile time", "The bridge was closed for repairs",
        "Honey never spoils");
    List<float[]> unbatched = new ArrayList<>();
    for (String sentence : sentences) {
      HttpResponse<Buffer> response = await(postJson(web, agent, "/v1/embeddings", embeddingsRequest(sentence)));
      assertThat(response.statusCode()).isEqualTo(200);
      unbatched.add(vector(response.bodyAsJsonObject(), 0));
    }

    long runsBefore = agent.sessionRuns();
    List<Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
    for (String sentence : sentences) {
      burst.add(postJson(web, agent, "/v1/embeddings", embeddingsRequest(sentence)));
    }
    await(Future.all(burst));
    long runs = agent.sessionRuns() - runsBefore;

    assertThat(runs).isLessThan(sentences.size());
    for (int i = 0; i < sentences.size(); i++) {
      HttpResponse<Buffer> response = burst.get(i).result();
      assertThat(response.statusCode()).isEqualTo(200);
      float[] batched = vector(response.bodyAsJsonObject(), 0);
      // The model is dynamically quantized: activation scales are computed over the whole batch (padding
      // included), so batched vectors match unbatched ones closely, not bit for bit. Each result must still be
      // its own sentence's vector, which proves the split back per request is right.
      double own = AgentFixture.cosine(batched, unbatched.get(i));
      assertThat(own).isGreaterThan(0.97);
      for (int j = 0; j < sentences.size(); j++) {
        if (j != i) {
          assertThat(AgentFixture.cosine(batched, unbatched.get(j))).isLessThan(own);
        }
      }
    }
    await(agent.crash());
  }

  @Test
  void aBurstBeyondTheAdmissionBoundGets429WithRetryAfterAndNo5xx(Vertx vertx) {
    NodeAgent agent = AgentFixture.start(vertx, unreachable, "i-admission", root,
        b -> b.maxQueuedRequests(2).maxBatchWait(Duration.ofMillis(50)).maxBatchSize(4));
    JsonArray inputs = new JsonArray();
    for (int i = 0; i < 8; i++) {
      inputs.add("a somewhat longer sentence so that each request keeps the worker busy for a while " + i);
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
    // Every admitted request released its slot.
    assertThat(agent.admission().queueDepth()).isZero();
    assertThat(agent.admission().inFlight()).isZero();
    assertThat(await(postJson(web, agent, "/v1/embeddings", embeddingsRequest("after the burst"))).statusCode())
        .isEqualTo(200);
    await(agent.crash());
  }
}
