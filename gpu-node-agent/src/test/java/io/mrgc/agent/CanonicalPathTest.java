package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.MODEL;
import static io.mrgc.agent.AgentFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.StateClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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

/**
 * Issue #10, finding 1, at a real agent (defense in depth behind the router): a request target that is not
 * canonical is 400 invalid_path before the instance gate and before any route. Before, vertx-web normalized
 * {@code /v2/models/A/../B/infer} and looked B up ("model B is not served by this instance"), and decoded
 * {@code %61} into a model name.
 */
@ExtendWith(VertxExtension.class)
class CanonicalPathTest {
  @TempDir
  static Path root;
  private static StateClient state;
  private static NodeAgent agent;
  private static WebClient web;

  @BeforeAll
  static void start(Vertx vertx) {
    ModelInstaller.installMiniLm(root);
    state = AgentFixture.stateClient();
    agent = AgentFixture.start(vertx, state, "i-canonical", root, b -> b);
    web = AgentFixture.client(vertx);
  }

  @AfterAll
  static void stop(Vertx vertx) {
    web.close();
    await(vertx.undeploy(agent.deploymentID()));
    state.close();
  }

  @Test
  void nonCanonicalTargetsAreRefusedBeforeAnyRoute() {
    for (String path : List.of("/v2/models/" + MODEL + "/../nope/infer", "/v2/models/" + MODEL + "/%2e%2e/nope/infer",
        "/v2/models/%61ll-minilm-l6-v2/infer", "/v2//models/" + MODEL + "/infer", "/v2/models/" + MODEL + "/infer/",
        "/v1/embeddings?x=1", "/v1/./embeddings")) {
      HttpResponse<Buffer> response = await(AgentFixture.postJson(web, agent, path, "{}"));
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
