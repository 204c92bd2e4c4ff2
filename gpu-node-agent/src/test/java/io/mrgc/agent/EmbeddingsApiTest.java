package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.MODEL;
import static io.mrgc.agent.AgentFixture.await;
import static io.mrgc.agent.AgentFixture.cosine;
import static io.mrgc.agent.AgentFixture.embeddingsRequest;
import static io.mrgc.agent.AgentFixture.norm;
import static io.mrgc.agent.AgentFixture.postJson;
import static io.mrgc.agent.AgentFixture.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class EmbeddingsApiTest {
  private static final int BODY_LIMIT = 64 * 1024;
  @TempDir
  static Path root;
  private static StateClient state;
  private static NodeAgent agent;
  private static WebClient web;

  @BeforeAll
  static void start(Vertx vertx) {
    ModelInstaller.installMiniLm(root);
    state = AgentFixture.stateClient();
    agent = AgentFixture.start(vertx, state, "i-embeddings", root, b -> b.maxBodyBytes(BODY_LIMIT));
    web = AgentFixture.client(vertx);
  }

  @AfterAll
  static void stop(Vertx vertx) {
    web.close();
    await(vertx.undeploy(agent.deploymentID()));
    state.close();
  }

  private static HttpResponse<Buffer> embed(Object body) {
    return await(postJson(web, agent, "/v1/embeddings", body));
  }

  @Test
  void embeddingsAreUnitVectorsOf384DimsInOpenAiShape() {
    HttpResponse<Buffer> response = embed(embeddingsRequest(new JsonArray()
        .add("The cat sits on the mat").add("A cat is sitting on a mat").add("Stock markets fell sharply")));
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("object")).isEqualTo("list");
    assertThat(body.getString("model")).isEqualTo(MODEL);
    assertThat(body.getJsonArray("data")).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonObject item = body.getJsonArray("data").getJsonObject(i);
      assertThat(item.getString("object")).isEqualTo("embedding");
      assertThat(item.getInteger("index")).isEqualTo(i);
      assertThat(item.getJsonArray("embedding")).hasSize(384);
      assertThat(norm(vector(body, i))).isCloseTo(1.0, within(1e-4));
    }
    JsonObject usage = body.getJsonObject("usage");
    assertThat(usage.getInteger("prompt_tokens")).isGreaterThan(15);
    assertThat(usage.getInteger("total_tokens")).isEqualTo(usage.getInteger("prompt_tokens"));

    float[] cat = vector(body, 0);
    float[] cat2 = vector(body, 1);
    float[] stocks = vector(body, 2);
    assertThat(cosine(cat, cat2)).isGreaterThan(cosine(cat, stocks) + 0.2);
  }

  @Test
  void theSameInputGivesTheSameVectorAndBase64DecodesToIt() {
    JsonObject first = embed(embeddingsRequest("The cat sits on the mat")).bodyAsJsonObject();
    JsonObject second = embed(embeddingsRequest("The cat sits on the mat")).bodyAsJsonObject();
    assertThat(vector(second, 0)).containsExactly(vector(first, 0));

    HttpResponse<Buffer> encoded = embed(embeddingsRequest("The cat sits on the mat").put("encoding_format", "base64"));
    assertThat(encoded.statusCode()).isEqualTo(200);
    byte[] bytes = Base64.getDecoder().decode(
        encoded.bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getString("embedding"));
    assertThat(bytes).hasSize(384 * 4);
    float[] decoded = new float[384];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(decoded);
    assertThat(decoded).containsExactly(vector(first, 0));
  }

  @Test
  void badRequestsGetTheirStatusAndCodeAndTheServiceKeepsServing() {
    List<Object[]> cases = new ArrayList<>();
    cases.add(new Object[] {"{\"model\": \"all-minilm-l6-v2\", \"input\": ", 400, "invalid_json"});
    cases.add(new Object[] {"[1, 2]", 400, "invalid_json"});
    cases.add(new Object[] {new JsonObject().put("input", "hello"), 400, "invalid_request"});
    cases.add(new Object[] {new JsonObject().put("input", "hello").put("model", "nope"), 404, "model_not_found"});
    cases.add(new Object[] {embeddingsRequest(""), 400, "invalid_request"});
    cases.add(new Object[] {embeddingsRequest(new JsonArray()), 400, "invalid_request"});
    cases.add(new Object[] {embeddingsRequest(new JsonArray().add("ok").add(7)), 400, "invalid_request"});
    cases.add(new Object[] {embeddingsRequest(new JsonArray().add("ok").add("")), 400, "invalid_request"});
    cases.add(new Object[] {embeddingsRequest(42), 400, "invalid_request"});
    cases.add(new Object[] {embeddingsRequest(new JsonArray(Collections.nCopies(129, "a"))), 400, "too_many_inputs"});
    cases.add(new Object[] {embeddingsRequest(new JsonArray().add("short").add("word ".repeat(300))), 400,
        "too_many_tokens"});
    cases.add(new Object[] {embeddingsRequest("hi").put("encoding_format", "int8"), 400, "invalid_request"});
    for (Object[] c : cases) {
      HttpResponse<Buffer> response = await(web.post(agent.actualPort(), "127.0.0.1", "/v1/embeddings")
          .putHeader("content-type", "application/json").putHeader("x-request-id", "req-bad-1")
          .sendBuffer(Buffer.buffer(c[0].toString())));
      assertThat(response.statusCode()).as("status for %s", c[0]).isEqualTo(c[1]);
      JsonObject error = response.bodyAsJsonObject().getJsonObject("error");
      assertThat(error.getString("code")).as("code for %s", c[0]).isEqualTo(c[2]);
      assertThat(error.getString("requestId")).isEqualTo("req-bad-1");
      assertThat(error.getString("message")).isNotBlank();
      assertGoodRequestStillWorks();
    }
  }

  @Test
  void wrongMediaTypeMethodAndPathGetJsonErrors() {
    HttpResponse<Buffer> text = await(web.post(agent.actualPort(), "127.0.0.1", "/v1/embeddings")
        .putHeader("content-type", "text/plain").sendBuffer(Buffer.buffer(embeddingsRequest("hi").encode())));
    assertThat(text.statusCode()).isEqualTo(415);
    assertThat(text.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("unsupported_media_type");
    assertThat(text.getHeader("x-request-id")).isNotBlank();

    HttpResponse<Buffer> get = await(web.get(agent.actualPort(), "127.0.0.1", "/v1/embeddings").send());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("method_not_allowed");

    HttpResponse<Buffer> missing = await(web.get(agent.actualPort(), "127.0.0.1", "/v1/nothing").send());
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("not_found");
    assertGoodRequestStillWorks();
  }

  @Test
  void aChunkedBodyOverTheLimitGets413(Vertx vertx) {
    HttpClient client = vertx.createHttpClient();
    try {
      HttpClientRequest[] sent = new HttpClientRequest[1];
      Buffer body = await(client.request(HttpMethod.POST, agent.actualPort(), "127.0.0.1", "/v1/embeddings")
          .compose(request -> {
            sent[0] = request;
            return sendChunked(request, 4 * BODY_LIMIT);
          })
          .compose(response -> {
            assertThat(response.statusCode()).isEqualTo(413);
            return response.body();
          }));
      assertThat(sent[0].headers().get("content-length")).isNull();
      assertThat(sent[0].isChunked()).isTrue();
      assertThat(body.toJsonObject().getJsonObject("error").getString("code")).isEqualTo("body_too_large");
    } finally {
      client.close();
    }
    assertGoodRequestStillWorks();
  }

  /** Streams {@code size} bytes with chunked transfer (no Content-Length) and answers the response. */
  private static Future<HttpClientResponse> sendChunked(HttpClientRequest request, int size) {
    request.setChunked(true).putHeader("content-type", "application/json");
    Future<HttpClientResponse> response = request.response();
    String chunk = "\"" + "x".repeat(8 * 1024) + "\",";
    request.write("{\"model\":\"" + MODEL + "\",\"input\":[");
    for (int sent = 0; sent < size; sent += chunk.length()) {
      request.write(chunk);
    }
    request.end("\"end\"]}");
    return response;
  }

  @Test
  void metricsAreExposedForPrometheus() {
    assertGoodRequestStillWorks();
    HttpResponse<Buffer> metrics = await(web.get(agent.actualPort(), "127.0.0.1", "/metrics").send());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.getHeader("content-type")).startsWith("text/plain");
    assertThat(metrics.bodyAsString())
        .contains("mrgc_agent_http_requests_total{endpoint=\"embeddings\",status=\"200\"}")
        .contains("mrgc_agent_batch_size_count")
        .contains("mrgc_agent_queue_depth")
        .contains("mrgc_agent_in_flight")
        // the model loaded at start, timed (what the model-load alarm reads as AgentModelLoad.Max)
        .containsPattern("(?m)^mrgc_agent_model_load_seconds_count(\\{[^}]*})? 1(\\.0)?$");
  }

  private static void assertGoodRequestStillWorks() {
    HttpResponse<Buffer> good = embed(embeddingsRequest("still serving"));
    assertThat(good.statusCode()).isEqualTo(200);
    assertThat(good.bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getJsonArray("embedding")).hasSize(384);
  }
}
