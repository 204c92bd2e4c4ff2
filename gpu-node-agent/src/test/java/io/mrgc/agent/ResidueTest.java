package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.MODEL;
import static io.mrgc.agent.AgentFixture.await;
import static io.mrgc.agent.AgentFixture.embeddingsRequest;
import static io.mrgc.agent.AgentFixture.postJson;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.mrgc.agent.wash.ArrivalLog;
import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing of a request stays in the agent's reusable buffers after its wash: neither its text (request body,
 * decrypted plaintext) nor its token ids (the model's input tensors). The control: the same scan, run while the
 * request is still in the agent (inside the enclave's seal call, before the wash), finds both.
 */
@ExtendWith(VertxExtension.class)
class ResidueTest {
  private static final String MARKER = "MARKER-3f9c0a17";
  private static final String TEXT = "the note says " + MARKER + " and nothing else";
  @TempDir
  static Path root;
  private static StateClient state;
  private static WebClient web;
  private static byte[] markerBytes;
  private static byte[] markerTokenIds;

  @BeforeAll
  static void setUp(Vertx vertx) throws Exception {
    ModelInstaller.installMiniLm(root);
    state = AgentFixture.stateClient();
    web = AgentFixture.client(vertx);
    markerBytes = MARKER.getBytes(StandardCharsets.UTF_8);
    try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(
        root.resolve(MODEL).resolve("1/tokenizer.json"))) {
      long[] ids = tokenizer.encode(MARKER, false, false).getIds();
      assertThat(ids.length).as("the marker is several tokens").isGreaterThan(3);
      ByteBuffer bytes = ByteBuffer.allocate(ids.length * Long.BYTES).order(ByteOrder.nativeOrder());
      bytes.asLongBuffer().put(ids);
      markerTokenIds = bytes.array(); // as the int64 input_ids tensor holds them
    }
  }

  @AfterAll
  static void tearDown() {
    web.close();
    state.close();
  }

  @Test
  void aPlaintextRequestLeavesNeitherItsTextNorItsTokenIdsInAnyBuffer(Vertx vertx) {
    NodeAgent agent = AgentFixture.start(vertx, state, "i-residue-plain", root, b -> b);
    HttpResponse<Buffer> response = await(postJson(web, agent, "/v1/embeddings", embeddingsRequest(TEXT)));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("x-mrgc-wash")).isEqualTo("passed");

    assertThat(agent.buffers().requestBytes().created()).as("the body went through the pool").isPositive();
    assertThat(agent.buffers().tensors().created()).as("the tensors went through the pool").isPositive();
    assertThat(agent.buffers().contains(markerBytes)).as("marker text after the wash").isFalse();
    assertThat(agent.buffers().contains(markerTokenIds)).as("marker token ids after the wash").isFalse();
    await(vertx.undeploy(agent.deploymentID()));
  }

  @Test
  void anEncryptedRequestsPlaintextIsInTheBuffersBeforeTheWashAndGoneAfterIt(Vertx vertx) {
    FakeEnclave enclave = new FakeEnclave();
    NodeAgent agent = AgentFixture.deploy(vertx, new NodeAgent(AgentFixture.options("i-residue-sealed", root).build(),
        state, enclave));
    AtomicBoolean textBeforeWash = new AtomicBoolean();
    AtomicBoolean idsBeforeWash = new AtomicBoolean();
    enclave.onSeal = () -> {
      textBeforeWash.set(agent.buffers().contains(markerBytes));
      idsBeforeWash.set(agent.buffers().contains(markerTokenIds));
    };
    byte[] envelope = FakeEnclave.seal("acme", MODEL, "/v1/embeddings", embeddingsRequest(TEXT).encode());
    HttpResponse<Buffer> response = await(web.post(agent.actualPort(), "127.0.0.1", "/v1/embeddings")
        .putHeader("content-type", "application/vnd.mrgc.envelope+json").putHeader("x-mrgc-model", MODEL)
        .putHeader("x-mrgc-tenant", "acme").sendBuffer(Buffer.buffer(envelope)));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("x-mrgc-wash")).isEqualTo("passed");

    assertThat(textBeforeWash).as("control: the decrypted text is in the pool before the wash").isTrue();
    assertThat(agent.buffers().tensors().created()).as("the tensors went through the pool").isPositive();
    assertThat(idsBeforeWash).as("the batch's tensors are zeroed when its session run ends, before the answer is "
        + "sealed").isFalse();
    assertThat(agent.buffers().contains(markerBytes)).as("marker text after the wash").isFalse();
    assertThat(agent.buffers().contains(markerTokenIds)).as("marker token ids after the wash").isFalse();
    await(vertx.undeploy(agent.deploymentID()));
  }

  @Test
  void requestsBatchedTogetherLeaveNoneOfTheirTextsOrTokenIdsInAnyBuffer(Vertx vertx) {
    NodeAgent agent = AgentFixture.start(vertx, state, "i-residue-batch", root,
        b -> b.maxBatchSize(4).maxBatchWait(java.time.Duration.ofSeconds(2)));
    // Bursts of four concurrent requests of one tenant until two or more shared a session run (a request whose
    // body is read before the others are let in runs alone: the batch waits only for requests being served).
    for (int burst = 0; burst < 10 && !anyBatchOfSeveral(agent); burst++) {
      List<Future<HttpResponse<Buffer>>> answers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        answers.add(web.post(agent.actualPort(), "127.0.0.1", "/v1/embeddings")
            .putHeader("content-type", "application/json").putHeader("x-mrgc-tenant", "acme")
            .putHeader("x-request-id", "batched-" + burst + "-" + i)
            .sendBuffer(Buffer.buffer(embeddingsRequest(TEXT + " number " + i).encode())));
      }
      answers.forEach(answer -> assertThat(await(answer).statusCode()).isEqualTo(200));
    }
    assertThat(anyBatchOfSeveral(agent)).as("requests of one tenant shared a session run").isTrue();
    assertThat(agent.buffers().contains(markerBytes)).as("marker text after the batch's answers").isFalse();
    assertThat(agent.buffers().contains(markerTokenIds)).as("marker token ids after the batch").isFalse();
    await(vertx.undeploy(agent.deploymentID()));
  }

  private static boolean anyBatchOfSeveral(NodeAgent agent) {
    return agent.servedEvents().stream()
        .anyMatch(e -> e.kind() == ArrivalLog.Kind.BATCH && e.requestIds().size() > 1);
  }
}
