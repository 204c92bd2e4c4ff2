package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.await;
import static io.mrgc.agent.AgentFixture.awaitRow;
import static io.mrgc.agent.AgentFixture.embeddingsRequest;
import static io.mrgc.agent.AgentFixture.eventually;
import static io.mrgc.agent.AgentFixture.writeAsAnotherActor;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.CleanupValidationRepository;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.CleanupValidationItem;
import io.mrgc.state.items.CleanupValidationStepItem;
import io.mrgc.state.items.GpuInstanceItem;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scrub after every request (its record, its headers) and the request-independent checks beside the work (model
 * integrity, GPU health): a check that does not pass quarantines the instance at once.
 */
@ExtendWith(VertxExtension.class)
class WashAfterEveryRequestTest {
  private static final List<String> PER_REQUEST_STEPS =
      List.of("buffer-scrub", "clean-state");
  private static StateClient state;
  private static GpuInstanceRepository rows;
  private static CleanupValidationRepository washes;
  private static WebClient web;

  @BeforeAll
  static void setUp(Vertx vertx) {
    state = AgentFixture.stateClient();
    rows = new GpuInstanceRepository(state);
    washes = new CleanupValidationRepository(state);
    web = AgentFixture.client(vertx);
  }

  @AfterAll
  static void tearDown() {
    web.close();
    state.close();
  }

  private static NodeAgent start(Vertx vertx, String id, Path root, FakeGpuProbe probe) {
    ModelInstaller.installMiniLm(root);
    return AgentFixture.deploy(vertx, new NodeAgent(AgentFixture.options(id, root)
        .washTimeout(Duration.ofMillis(500)).backgroundCheckInterval(Duration.ofMillis(20)).build(), state, null,
        null, probe));
  }

  private static HttpResponse<Buffer> embed(NodeAgent agent, String requestId) {
    return await(web.post(agent.actualPort(), "127.0.0.1", "/v1/embeddings")
        .putHeader("content-type", "application/json").putHeader("x-request-id", requestId)
        .sendBuffer(Buffer.buffer(embeddingsRequest("a sentence to embed").encode())));
  }

  private static void assertRefusedAsQuarantined(NodeAgent agent) {
    HttpResponse<Buffer> refused = embed(agent, "after-quarantine");
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.getHeader("x-mrgc-instance-state")).isEqualTo("QUARANTINED");
    assertThat(refused.getHeader("retry-after")).isEqualTo("1");
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("instance_not_ready");
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("QUARANTINED");
  }

  @Test
  void everyRequestGetsAWashRecordedWithItsIdStepTimingsAndATtl(Vertx vertx, @TempDir Path root) {
    NodeAgent agent = start(vertx, "i-wash-records", root, new FakeGpuProbe());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String id = "wash-record-" + i;
      ids.add(id);
      HttpResponse<Buffer> response = embed(agent, id);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.getHeader("x-mrgc-wash")).isEqualTo("passed");
      assertThat(response.getHeader("x-mrgc-wash-ms")).matches("\\d+");
      assertThat(response.getHeader("x-mrgc-instance-state")).isEqualTo("READY");
    }
    List<CleanupValidationItem> recorded = new ArrayList<>();
    eventually("5 cleanup_validation rows", () -> {
      recorded.clear();
      recorded.addAll(washes.listRecent("i-wash-records", 100).join());
      return recorded.size() >= 5;
    });
    long inSixDays = System.currentTimeMillis() / 1000 + Duration.ofDays(6).toSeconds();
    assertThat(recorded).hasSize(5).extracting(CleanupValidationItem::getRequestId)
        .containsExactlyInAnyOrderElementsOf(ids);
    assertThat(recorded).allSatisfy(row -> {
      assertThat(row.getOutcome()).isEqualTo("PASSED");
      assertThat(row.getRegion()).isEqualTo(AgentFixture.REGION);
      assertThat(row.getExpiresAtEpochSeconds()).isGreaterThan(inSixDays);
      assertThat(row.getSteps()).extracting(CleanupValidationStepItem::getName).containsExactlyElementsOf(PER_REQUEST_STEPS);
      assertThat(row.getSteps()).allSatisfy(step -> {
        assertThat(step.getOutcome()).isEqualTo("PASSED");
        assertThat(step.getMicros()).isNotNegative();
      });
      assertThat(row.getTotalMicros()).isGreaterThanOrEqualTo(row.getSteps().stream()
          .mapToLong(CleanupValidationStepItem::getMicros).sum());
    });
    assertThat(recorded.get(0).getSteps().get(0).getDetail()).startsWith("zeroed ").contains("of this request");

    String metrics = await(web.get(agent.actualPort(), "127.0.0.1", "/metrics").send()).bodyAsString();
    assertThat(metrics).contains("mrgc_wash_total{result=\"passed\"} 5.0")
        .contains("mrgc_wash_total{result=\"failed\"} 0.0")
        .contains("mrgc_wash_total{result=\"timed_out\"} 0.0")
        .contains("mrgc_wash_duration_seconds_count 5")
        .contains("mrgc_wash_duration_seconds{quantile=\"0.99\"}")
        .contains("mrgc_instance_quarantined 0.0");
    await(vertx.undeploy(agent.deploymentID()));
  }

  @Test
  void aBackgroundCheckThatHangsPastTheWashTimeoutQuarantinesTheInstanceAtOnce(Vertx vertx, @TempDir Path root) {
    FakeGpuProbe probe = new FakeGpuProbe();
    NodeAgent agent = start(vertx, "i-wash-hangs", root, probe);
    assertThat(embed(agent, "before-the-hang").statusCode()).isEqualTo(200);

    probe.mode = FakeGpuProbe.Mode.HANG;
    GpuInstanceItem row = awaitRow(rows, "i-wash-hangs", r -> "QUARANTINED".equals(r.getState()));
    assertThat(agent.state()).isEqualTo(InstanceState.QUARANTINED);
    assertThat(row.getStateReason()).isEqualTo("gpu-health TIMED_OUT in the background checks: "
        + "still running at the wash's time limit of 500 ms");
    assertThat(agent.recentWashes()).anySatisfy(wash -> {
      assertThat(wash.requestId()).startsWith("scheduled-background-");
      assertThat(wash.outcome()).isEqualTo(io.mrgc.carwash.WashReport.Outcome.TIMED_OUT);
    });
    assertRefusedAsQuarantined(agent);
    // The heartbeat keeps the quarantine.
    long version = row.getVersion();
    assertThat(awaitRow(rows, "i-wash-hangs", r -> r.getVersion() > version + 2).getState()).isEqualTo("QUARANTINED");
    String metrics = await(web.get(agent.actualPort(), "127.0.0.1", "/metrics").send()).bodyAsString();
    assertThat(metrics).contains("mrgc_instance_quarantined 1.0");
    await(vertx.undeploy(agent.deploymentID()));
  }

  @Test
  void oneCorruptedByteQuarantinesWithinTheCoverageBoundAndAReleaseNeedsAPassingFullCheck(Vertx vertx,
      @TempDir Path root) throws Exception {
    NodeAgent agent = start(vertx, "i-corrupted", root, new FakeGpuProbe());
    int bound = agent.integrityCoverageBound();
    assertThat(bound).as("MiniLM fp32: 87 + 1 + 1 chunks of 1 MiB, 2 per round").isEqualTo(45);
    embed(agent, "before-the-corruption");

    Path model = root.resolve(AgentFixture.MODEL).resolve("1/model.onnx");
    long offset = 10L * (1 << 20) + 12345;
    long roundsBefore = agent.backgroundRounds();
    flipByte(model, offset);
    for (int i = 0; agent.state() != InstanceState.QUARANTINED && i < 10 * bound; i++) {
      embed(agent, "probe-" + i); // requests keep the background rounds coming every interval
    }
    assertThat(agent.state()).isEqualTo(InstanceState.QUARANTINED);
    assertThat(agent.backgroundRounds() - roundsBefore).as("rounds until the corruption is caught (one may have "
        + "been under way at the flip)").isLessThanOrEqualTo(bound + 1);
    GpuInstanceItem row = awaitRow(rows, "i-corrupted", r -> "QUARANTINED".equals(r.getState()));
    assertThat(row.getStateReason()).startsWith("model-integrity FAILED in the background checks: ")
        .contains("all-minilm-l6-v2:1: 1/model.onnx chunk 11 of 87");
    assertRefusedAsQuarantined(agent);

    // An SRE releases it without fixing anything: the full check fails and the quarantine stays, with why.
    writeAsAnotherActor(rows, "i-corrupted", r -> r.setState("READY"));
    GpuInstanceItem refused = awaitRow(rows, "i-corrupted", r -> "QUARANTINED".equals(r.getState())
        && r.getStateReason().startsWith("release refused: model-integrity-full FAILED in the full manifest check"));
    assertThat(refused.getStateReason()).contains("sha256 mismatch for 1/model.onnx");
    assertThat(agent.state()).isEqualTo(InstanceState.QUARANTINED);

    // The byte is repaired (the model re-uploaded) and the SRE releases it again: a full check, then READY.
    flipByte(model, offset);
    writeAsAnotherActor(rows, "i-corrupted", r -> r.setState("READY"));
    eventually("agent READY", () -> agent.state() == InstanceState.READY);
    // The agent's own READY write (the SRE's kept the old reason) clears the reason.
    awaitRow(rows, "i-corrupted", r -> "READY".equals(r.getState()) && r.getStateReason() == null);
    assertThat(agent.recentWashes()).extracting(w -> w.requestId())
        .contains("scheduled-release-check-1", "scheduled-release-check-2");
    HttpResponse<Buffer> after = embed(agent, "after-release");
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(after.getHeader("x-mrgc-wash")).isEqualTo("passed");
    await(vertx.undeploy(agent.deploymentID()));
  }

  @Test
  void aFailingGpuHealthCheckQuarantinesAndHealthEndpointsStillAnswer(Vertx vertx, @TempDir Path root) {
    FakeGpuProbe probe = new FakeGpuProbe();
    NodeAgent agent = start(vertx, "i-ecc", root, probe);
    assertThat(embed(agent, "before").getHeader("x-mrgc-wash")).isEqualTo("passed");
    probe.mode = FakeGpuProbe.Mode.ECC_ERRORS;
    GpuInstanceItem row = awaitRow(rows, "i-ecc", r -> "QUARANTINED".equals(r.getState()));
    assertThat(row.getStateReason()).startsWith("gpu-health FAILED in the background checks: ");
    assertRefusedAsQuarantined(agent);
    assertThat(await(web.get(agent.actualPort(), "127.0.0.1", "/v2/health/live").send()).statusCode()).isEqualTo(200);
    assertThat(await(web.get(agent.actualPort(), "127.0.0.1", "/v2/models/" + AgentFixture.MODEL).send())
        .statusCode()).isEqualTo(200);
    assertThat(await(web.get(agent.actualPort(), "127.0.0.1", "/metrics").send()).statusCode()).isEqualTo(200);
    await(vertx.undeploy(agent.deploymentID()));
  }

  static void flipByte(Path file, long offset) throws Exception {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      int b = raf.read();
      raf.seek(offset);
      raf.write(b ^ 0x40);
    }
  }
}
