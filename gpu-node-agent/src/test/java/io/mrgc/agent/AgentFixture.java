package io.mrgc.agent;

import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** Shared test helpers: one DynamoDB Local per test JVM, agents on port 0, blocking waits with a bound. */
final class AgentFixture {
  static final String MODEL = ModelInstaller.MINILM_MODEL;
  static final String REGION = "us-east-1";
  private static LocalState state;

  private AgentFixture() {}

  /** A client of the one DynamoDB Local (with all tables) this test JVM shares. */
  static synchronized StateClient stateClient() {
    if (state == null) {
      state = LocalState.start();
      Runtime.getRuntime().addShutdownHook(new Thread(state::close));
    }
    return state.client(REGION);
  }

  static NodeAgentOptions.Builder options(String instanceId, Path modelRoot) {
    return NodeAgentOptions.builder(REGION, instanceId, modelRoot).intraOpThreads(1)
        .heartbeatInterval(Duration.ofMillis(200));
  }

  static NodeAgent start(Vertx vertx, StateClient client, String instanceId, Path modelRoot,
      UnaryOperator<NodeAgentOptions.Builder> tune) {
    NodeAgent agent = new NodeAgent(tune.apply(options(instanceId, modelRoot)).build(), client);
    await(vertx.deployVerticle(agent));
    return agent;
  }

  static WebClient client(Vertx vertx) {
    return WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1"),
        new PoolOptions().setHttp1MaxSize(64));
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e.getCause() != null ? e.getCause() : e);
    }
  }

  static Future<HttpResponse<Buffer>> postJson(WebClient web, NodeAgent agent, String path, Object body) {
    return web.post(agent.actualPort(), "127.0.0.1", path).putHeader("content-type", "application/json")
        .sendBuffer(Buffer.buffer(body.toString()));
  }

  static JsonObject embeddingsRequest(Object input) {
    return new JsonObject().put("model", MODEL).put("input", input);
  }

  static float[] vector(JsonObject response, int index) {
    JsonArray values = response.getJsonArray("data").getJsonObject(index).getJsonArray("embedding");
    float[] vector = new float[values.size()];
    for (int i = 0; i < vector.length; i++) {
      vector[i] = values.getNumber(i).floatValue();
    }
    return vector;
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  static double norm(float[] a) {
    double sum = 0;
    for (float v : a) {
      sum += v * v;
    }
    return Math.sqrt(sum);
  }
}
