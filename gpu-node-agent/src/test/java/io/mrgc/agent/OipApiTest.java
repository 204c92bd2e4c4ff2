package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.MODEL;
import static io.mrgc.agent.AgentFixture.await;
import static io.mrgc.agent.AgentFixture.embeddingsRequest;
import static io.mrgc.agent.AgentFixture.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.mrgc.state.StateClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class OipApiTest {
  @TempDir
  static Path root;
  private static StateClient state;
  private static NodeAgent agent;
  private static WebClient web;

  @BeforeAll
  static void start(Vertx vertx) {
    ModelInstaller.installMiniLm(root);
    state = AgentFixture.stateClient();
    agent = AgentFixture.start(vertx, state, "i-oip", root, b -> b);
    web = AgentFixture.client(vertx);
  }

  @AfterAll
  static void stop(Vertx vertx) {
    web.close();
    await(vertx.undeploy(agent.deploymentID()));
    state.close();
  }

  private static HttpResponse<Buffer> get(String path) {
    return await(web.get(agent.actualPort(), "127.0.0.1", path).send());
  }

  @Test
  void healthAndServerMetadata() {
    assertThat(get("/v2/health/live").bodyAsJsonObject()).isEqualTo(new JsonObject().put("live", true));
    HttpResponse<Buffer> ready = get("/v2/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject()).isEqualTo(new JsonObject().put("ready", true));
    JsonObject server = get("/v2").bodyAsJsonObject();
    assertThat(server.getString("name")).isEqualTo("mrgc-gpu-node-agent");
    assertThat(server.getString("version")).isNotBlank();
    assertThat(server.getJsonArray("extensions")).isNotNull();
  }

  @Test
  void modelMetadataAndReadinessComeFromTheSession() {
    for (String path : new String[] {"/v2/models/" + MODEL, "/v2/models/" + MODEL + "/versions/1"}) {
      HttpResponse<Buffer> response = get(path);
      assertThat(response.statusCode()).isEqualTo(200);
      JsonObject metadata = response.bodyAsJsonObject();
      assertThat(metadata.getString("name")).isEqualTo(MODEL);
      assertThat(metadata.getJsonArray("versions")).containsExactly("1");
      assertThat(metadata.getString("platform")).isEqualTo("onnxruntime_onnx");
      assertThat(metadata.getJsonArray("inputs")).contains(new JsonObject().put("name", "input_ids")
          .put("datatype", "INT64").put("shape", new JsonArray().add(-1).add(-1)));
      assertThat(metadata.getJsonArray("outputs")).contains(new JsonObject().put("name", "last_hidden_state")
          .put("datatype", "FP32").put("shape", new JsonArray().add(-1).add(-1).add(384)));
      assertThat(get(path + "/ready").bodyAsJsonObject())
          .isEqualTo(new JsonObject().put("name", MODEL).put("ready", true));
    }
    assertThat(get("/v2/models/" + MODEL + "/versions/2").statusCode()).isEqualTo(404);
    HttpResponse<Buffer> unknown = get("/v2/models/nope");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("model_not_found");
    assertThat(get("/v2/models/nope/ready").statusCode()).isEqualTo(404);
  }

  @Test
  void inferOnRealTokenIdsMatchesTheEmbeddingsEndpoint() throws Exception {
    String text = "The cat sits on the mat";
    Encoding encoding;
    try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(
        root.resolve(MODEL).resolve("1/tokenizer.json"))) {
      encoding = tokenizer.encode(text);
    }
    int n = encoding.getIds().length;
    JsonArray nestedIds = new JsonArray().add(longs(encoding.getIds()));
    JsonObject request = new JsonObject().put("id", "req-42")
        .put("inputs", new JsonArray()
            .add(tensor("input_ids", n, nestedIds))
            .add(tensor("attention_mask", n, longs(encoding.getAttentionMask())))
            .add(tensor("token_type_ids", n, longs(encoding.getTypeIds()))))
        .put("outputs", new JsonArray().add(new JsonObject().put("name", "last_hidden_state")));
    HttpResponse<Buffer> response = await(postJson(web, agent, "/v2/models/" + MODEL + "/infer", request));
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("id")).isEqualTo("req-42");
    assertThat(body.getString("model_name")).isEqualTo(MODEL);
    assertThat(body.getString("model_version")).isEqualTo("1");
    JsonObject output = body.getJsonArray("outputs").getJsonObject(0);
    assertThat(output.getString("name")).isEqualTo("last_hidden_state");
    assertThat(output.getString("datatype")).isEqualTo("FP32");
    assertThat(output.getJsonArray("shape")).containsExactly(1, n, 384);
    JsonArray data = output.getJsonArray("data");
    assertThat(data).hasSize(n * 384);

    // Mean-pooling the raw hidden state by hand gives the /v1/embeddings vector.
    float[] pooled = new float[384];
    for (int t = 0; t < n; t++) {
      for (int d = 0; d < 384; d++) {
        pooled[d] += data.getNumber(t * 384 + d).floatValue() / n;
      }
    }
    float[] embedding = AgentFixture.vector(
        await(postJson(web, agent, "/v1/embeddings", embeddingsRequest(text))).bodyAsJsonObject(), 0);
    assertThat(AgentFixture.cosine(pooled, embedding)).isCloseTo(1.0, within(1e-4));
  }

  @Test
  void badInferRequestsAreRefused() {
    JsonArray ids = new JsonArray().add(101).add(7592).add(102);
    JsonObject mismatch = new JsonObject().put("inputs", new JsonArray()
        .add(new JsonObject().put("name", "input_ids").put("datatype", "INT64")
            .put("shape", new JsonArray().add(1).add(4)).put("data", ids))
        .add(tensor("attention_mask", 3, new JsonArray().add(1).add(1).add(1)))
        .add(tensor("token_type_ids", 3, new JsonArray().add(0).add(0).add(0))));
    assertError("/v2/models/" + MODEL + "/infer", mismatch, 400, "shape_mismatch");

    JsonObject wrongType = new JsonObject().put("inputs", new JsonArray()
        .add(new JsonObject().put("name", "input_ids").put("datatype", "FP32")
            .put("shape", new JsonArray().add(1).add(3)).put("data", ids)));
    assertError("/v2/models/" + MODEL + "/infer", wrongType, 400, "datatype_mismatch");

    JsonObject missing = new JsonObject().put("inputs", new JsonArray().add(tensor("input_ids", 3, ids)));
    assertError("/v2/models/" + MODEL + "/infer", missing, 400, "invalid_request");

    JsonObject valid = new JsonObject().put("inputs", new JsonArray().add(tensor("input_ids", 3, ids))
        .add(tensor("attention_mask", 3, new JsonArray().add(1).add(1).add(1)))
        .add(tensor("token_type_ids", 3, new JsonArray().add(0).add(0).add(0))));
    assertError("/v2/models/nope/infer", valid, 404, "model_not_found");
    assertError("/v2/models/" + MODEL + "/versions/7/infer", valid, 404, "model_not_found");
    assertError("/v2/models/" + MODEL + "/infer", valid.copy().put("outputs",
        new JsonArray().add(new JsonObject().put("name", "pooler"))), 400, "invalid_request");

    HttpResponse<Buffer> ok = await(postJson(web, agent, "/v2/models/" + MODEL + "/versions/1/infer", valid));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.bodyAsJsonObject().getJsonArray("outputs").getJsonObject(0).getJsonArray("shape"))
        .containsExactly(1, 3, 384);
  }

  private static void assertError(String path, JsonObject body, int status, String code) {
    HttpResponse<Buffer> response = await(postJson(web, agent, path, body));
    assertThat(response.statusCode()).as(path + " " + body).isEqualTo(status);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo(code);
  }

  private static JsonObject tensor(String name, int n, JsonArray data) {
    return new JsonObject().put("name", name).put("datatype", "INT64")
        .put("shape", new JsonArray().add(1).add(n)).put("data", data);
  }

  private static JsonArray longs(long[] values) {
    JsonArray array = new JsonArray();
    for (long v : values) {
      array.add(v);
    }
    return array;
  }

  /**
   * Issue #10, finding 1, at a real agent (defense in depth behind the router): a request target that is not
   * canonical is 400 invalid_path before the instance gate and any route. Before, vertx-web normalized
   * {@code /v2/models/A/../B/infer} and looked B up ("model B is not served by this instance"), and decoded
   * {@code %61} into a model name.
   */
  @Test
  void nonCanonicalTargetsAreRefusedBeforeAnyRoute() {
    for (String path : List.of("/v2/models/" + MODEL + "/../nope/infer",
        "/v2/models/" + MODEL + "/%2e%2e/nope/infer", "/v2/models/%61ll-minilm-l6-v2/infer",
        "/v2//models/" + MODEL + "/infer", "/v2/models/" + MODEL + "/infer/", "/v1/embeddings?x=1",
        "/v1/./embeddings")) {
      HttpResponse<Buffer> response = await(postJson(web, agent, path, "{}"));
      assertThat(response.statusCode()).as(path).isEqualTo(400);
      assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code")).as(path)
          .isEqualTo("invalid_path");
    }
    HttpResponse<Buffer> metadata = await(web.get(agent.actualPort(), "127.0.0.1", "/v2/models/%61ll-minilm-l6-v2")
        .send());
    assertThat(metadata.statusCode()).isEqualTo(400);

    // The canonical spelling reaches the model (and its own validation).
    assertThat(await(web.get(agent.actualPort(), "127.0.0.1", "/v2/models/" + MODEL).send()).statusCode())
        .isEqualTo(200);
  }
}
