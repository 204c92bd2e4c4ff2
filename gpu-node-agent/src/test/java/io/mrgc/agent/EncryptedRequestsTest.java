package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.MODEL;
import static io.mrgc.agent.AgentFixture.await;
import static io.mrgc.agent.AgentFixture.embeddingsRequest;
import static io.mrgc.agent.AgentFixture.postJson;
import static io.mrgc.agent.AgentFixture.vector;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.StateClient;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The agent's encrypted path (decrypt in the enclave, infer, seal the answer) against a stand-in enclave. */
@ExtendWith(VertxExtension.class)
class EncryptedRequestsTest {
  private static final String ENVELOPE = "application/vnd.mrgc.envelope+json";
  private static final String TENANT = "acme";
  @TempDir
  static Path root;
  private static StateClient state;
  private static final FakeEnclave enclave = new FakeEnclave();
  private static NodeAgent agent;
  private static NodeAgent plaintextOnly;
  private static WebClient web;

  @BeforeAll
  static void start(Vertx vertx) {
    ModelInstaller.installMiniLm(root);
    state = AgentFixture.stateClient();
    agent = new NodeAgent(AgentFixture.options("i-encrypted", root).heartbeatInterval(Duration.ofMillis(100)).build(),
        state, enclave);
    await(vertx.deployVerticle(agent));
    plaintextOnly = AgentFixture.start(vertx, state, "i-plaintext-only", root, b -> b);
    web = AgentFixture.client(vertx);
  }

  @AfterAll
  static void stop() {
    web.close();
    state.close();
  }

  @AfterEach
  void healEnclave() {
    enclave.failWith = null;
  }

  private static HttpResponse<Buffer> sendEnvelope(NodeAgent target, String tenantHeader, byte[] envelope) {
    var request = web.post(target.actualPort(), "127.0.0.1", "/v1/embeddings")
        .putHeader("content-type", ENVELOPE).putHeader("x-mrgc-model", MODEL);
    if (tenantHeader != null) {
      request.putHeader("x-mrgc-tenant", tenantHeader);
    }
    return await(request.sendBuffer(Buffer.buffer(envelope)));
  }

  private static byte[] embeddingsEnvelope(String tenant, String model, String path) {
    return FakeEnclave.seal(tenant, model, path, embeddingsRequest(new JsonArray().add("The cat sits on the mat"))
        .encode());
  }

  @Test
  void encryptedEmbeddingEqualsThePlaintextOne() {
    HttpResponse<Buffer> sealed = sendEnvelope(agent, TENANT, embeddingsEnvelope(TENANT, MODEL, "/v1/embeddings"));
    assertThat(sealed.statusCode()).isEqualTo(200);
    assertThat(sealed.getHeader("content-type")).isEqualTo(ENVELOPE);
    JsonObject opened = new JsonObject(FakeEnclave.open(sealed.body().getBytes()));

    HttpResponse<Buffer> plain = await(postJson(web, agent, "/v1/embeddings",
        embeddingsRequest(new JsonArray().add("The cat sits on the mat"))));
    assertThat(vector(opened, 0)).containsExactly(vector(plain.bodyAsJsonObject(), 0));
  }

  @Test
  void errorsAfterDecryptionAreSealedWithTheirStatus() {
    byte[] envelope = FakeEnclave.seal(TENANT, MODEL, "/v1/embeddings",
        new JsonObject().put("model", MODEL).put("input", new JsonArray()).encode());
    HttpResponse<Buffer> sealed = sendEnvelope(agent, TENANT, envelope);
    assertThat(sealed.statusCode()).isEqualTo(400);
    assertThat(sealed.getHeader("content-type")).isEqualTo(ENVELOPE);
    assertThat(new JsonObject(FakeEnclave.open(sealed.body().getBytes())).getJsonObject("error").getString("message"))
        .contains("empty");
  }

  @Test
  void bodyModelMustBeTheEnvelopesModel() {
    byte[] envelope = FakeEnclave.seal(TENANT, MODEL, "/v1/embeddings",
        new JsonObject().put("model", "other-model").put("input", "x").encode());
    assertThat(sendEnvelope(agent, TENANT, envelope).statusCode()).isEqualTo(400);
  }

  @Test
  void refusalsMapToStatusesAndAeadFailureSaysNothingMore() {
    assertThat(sendEnvelope(agent, "another-tenant", embeddingsEnvelope(TENANT, MODEL, "/v1/embeddings"))
        .statusCode()).as("tenant mismatch").isEqualTo(403);
    assertThat(sendEnvelope(agent, TENANT, embeddingsEnvelope(TENANT, MODEL, "/v2/models/x/infer")).statusCode())
        .as("replayed on another path").isEqualTo(403);
    assertThat(sendEnvelope(agent, null, embeddingsEnvelope(TENANT, MODEL, "/v1/embeddings")).statusCode())
        .as("no authenticated tenant").isEqualTo(403);
    assertThat(sendEnvelope(agent, TENANT, "{not an envelope".getBytes()).statusCode()).isEqualTo(400);

    enclave.failWith = EnclaveErrorCode.AEAD_FAILURE;
    HttpResponse<Buffer> aead = sendEnvelope(agent, TENANT, embeddingsEnvelope(TENANT, MODEL, "/v1/embeddings"));
    assertThat(aead.statusCode()).isEqualTo(400);
    assertThat(aead.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .isEqualTo("authenticated decryption failed");
    assertThat(aead.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("envelope_auth_failed");
    enclave.failWith = EnclaveErrorCode.KEY_REFUSED;
    assertThat(sendEnvelope(agent, TENANT, embeddingsEnvelope(TENANT, MODEL, "/v1/embeddings")).statusCode())
        .isEqualTo(403);
  }

  @Test
  void anAgentWithoutAnEnclaveRefusesEnvelopes() {
    HttpResponse<Buffer> response = sendEnvelope(plaintextOnly, TENANT,
        embeddingsEnvelope(TENANT, MODEL, "/v1/embeddings"));
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("encryption_unavailable");
  }

  @Test
  void refusalsOfTheCallersEnvelopeAreNotEnclaveErrors() {
    // A tenant can send bad envelopes at will: they must not restart (or quarantine) the instance.
    enclave.failWith = EnclaveErrorCode.AEAD_FAILURE;
    HttpResponse<Buffer> refused = sendEnvelope(agent, TENANT, embeddingsEnvelope(TENANT, MODEL, "/v1/embeddings"));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.getHeader("x-mrgc-instance-state")).isEqualTo("READY");
    assertThat(refused.getHeader("x-mrgc-wash")).isEqualTo("passed");
    enclave.failWith = null;
    assertThat(sendEnvelope(agent, TENANT, embeddingsEnvelope(TENANT, MODEL, "/v1/embeddings")).statusCode())
        .isEqualTo(200);
  }
}
