package io.mrgc.agent;

import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.GpuInstanceItem;
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
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/** Shared test helpers: one DynamoDB Local per test JVM, agents on port 0, blocking waits with a bound. */
final class AgentFixture {
  static final String MODEL = ModelInstaller.MINILM_MODEL;
  static final String REGION = "us-east-1";
  private static LocalState state;

  private AgentFixture() {}

  /** A client of the one DynamoDB Local (with all tables) this test JVM shares. */
  static StateClient stateClient() {
    return localState().client(REGION);
  }

  /** The URL of that DynamoDB Local, for services configured from a file ({@code state.endpoint}). */
  static java.net.URI stateEndpoint() {
    return localState().db().endpoint();
  }

  private static synchronized LocalState localState() {
    if (state == null) {
      state = LocalState.start();
      Runtime.getRuntime().addShutdownHook(new Thread(state::close));
    }
    return state;
  }

  static NodeAgentOptions.Builder options(String instanceId, Path modelRoot) {
    return NodeAgentOptions.builder(REGION, instanceId, modelRoot).intraOpThreads(1)
        .heartbeatInterval(Duration.ofMillis(200));
  }

  static NodeAgent start(Vertx vertx, StateClient client, String instanceId, Path modelRoot,
      UnaryOperator<NodeAgentOptions.Builder> tune) {
    return deploy(vertx, new NodeAgent(tune.apply(options(instanceId, modelRoot)).build(), client));
  }

  static NodeAgent deploy(Vertx vertx, NodeAgent agent) {
    await(vertx.deployVerticle(agent));
    return agent;
  }

  /** Waits (bounded, polling) until {@code condition} holds; not a timing assertion. */
  static void eventually(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never happened: " + what);
      }
      sleep(20);
    }
  }

  /** Polls the instance's row until {@code condition} holds (bounded; not a timing assertion). */
  static GpuInstanceItem awaitRow(GpuInstanceRepository rows, String instanceId, Predicate<GpuInstanceItem> condition) {
    GpuInstanceItem[] last = new GpuInstanceItem[1];
    try {
      eventually("row " + instanceId + " matches", () -> {
        last[0] = rows.get(REGION, instanceId).join();
        return last[0] != null && condition.test(last[0]);
      });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last: " + (last[0] == null ? "none"
          : last[0].getState() + " (" + last[0].getStateReason() + ") v" + last[0].getVersion()));
    }
    return last[0];
  }

  /**
   * Changes the row as another actor would (an SRE's {@code mrgc instance release}, the autoscaler's drain): a
   * versioned put that, when it races with the agent's own heartbeat, re-reads and tries again.
   */
  static GpuInstanceItem writeAsAnotherActor(GpuInstanceRepository rows, String instanceId,
      Consumer<GpuInstanceItem> change) {
    for (int attempt = 0; ; attempt++) {
      GpuInstanceItem row = rows.get(REGION, instanceId).join();
      change.accept(row);
      try {
        return rows.put(row).join();
      } catch (RuntimeException e) {
        if (attempt == 20) {
          throw e;
        }
      }
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
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
