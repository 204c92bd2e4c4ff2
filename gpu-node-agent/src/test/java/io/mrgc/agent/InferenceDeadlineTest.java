package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.MODEL;
import static io.mrgc.agent.AgentFixture.await;
import static io.mrgc.agent.AgentFixture.embeddingsRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.InstanceState;
import io.mrgc.state.StateClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 7 (agent half): an encrypted request whose inference runs past {@code inferenceTimeout} is stopped and
 * answered 504 {@code inference_timeout}, sealed like every error after decryption, and the instance is quarantined
 * (it takes no further request). Without the deadline the request would run to the end and answer 200.
 */
@ExtendWith(VertxExtension.class)
class InferenceDeadlineTest {
  @TempDir
  static Path root;

  @Test
  void anInferencePastItsDeadlineAnswers504SealedAndQuarantines(Vertx vertx) {
    ModelInstaller.installMiniLm(root);
    StateClient state = AgentFixture.stateClient();
    NodeAgent agent = AgentFixture.deploy(vertx, new NodeAgent(AgentFixture.options("i-deadline", root)
        .inferenceTimeout(Duration.ofMillis(100)).maxTokensPerInput(512).build(), state, new FakeEnclave()));
    WebClient web = AgentFixture.client(vertx);
    try {
      JsonArray inputs = new JsonArray();
      for (int i = 0; i < 32; i++) {
        inputs.add(("word" + i + " ").repeat(120)); // seconds of work on one ONNX Runtime thread
      }
      byte[] envelope = FakeEnclave.seal("acme", MODEL, "/v1/embeddings", embeddingsRequest(inputs).encode());
      HttpResponse<Buffer> response = await(web.post(agent.actualPort(), "127.0.0.1", "/v1/embeddings")
          .putHeader("content-type", "application/vnd.mrgc.envelope+json").putHeader("x-mrgc-tenant", "acme")
          .putHeader("x-mrgc-model", MODEL).sendBuffer(Buffer.buffer(envelope)));
      assertThat(response.statusCode()).isEqualTo(504);
      assertThat(response.getHeader("content-type")).as("sealed").isEqualTo("application/vnd.mrgc.envelope+json");
      JsonObject error = new JsonObject(FakeEnclave.open(response.bodyAsBuffer().getBytes())).getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("inference_timeout");
      assertThat(response.getHeader("x-mrgc-instance-state")).isEqualTo("QUARANTINED");
      assertThat(agent.state()).isEqualTo(InstanceState.QUARANTINED);

      HttpResponse<Buffer> next = await(AgentFixture.postJson(web, agent, "/v1/embeddings", embeddingsRequest("hi")));
      assertThat(next.statusCode()).isEqualTo(503);
      assertThat(next.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("instance_not_ready");
    } finally {
      web.close();
      await(vertx.undeploy(agent.deploymentID()));
    }
  }
}
