package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.CleanupValidationRepository;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.LocalState;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.CleanupValidationItem;
import io.mrgc.state.items.CleanupValidationStepItem;
import io.mrgc.state.items.GpuInstanceItem;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * `mrgc instance history|release` and the washing/quarantined part of `mrgc status`, against DynamoDB Local, run
 * in-process as `main` runs them.
 */
class InstanceCommandTest {
  private static LocalState state;
  private static StateClient client;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-east-1");
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  private static MrgcRun mrgc(String... args) {
    return MrgcRun.against(state, args);
  }

  @Test
  void historyListsRecentWashesNewestFirstWithTheFailingStep() {
    CleanupValidationRepository washes = new CleanupValidationRepository(client);
    long now = System.currentTimeMillis();
    washes.put(wash("i-hist", now - 2_000, "req-old", "PASSED", step("buffer_scrub", "PASSED", null))).join();
    washes.put(wash("i-hist", now - 1_000, "req-new", "FAILED",
        step("buffer_scrub", "PASSED", null), step("model_integrity", "FAILED", "model.onnx sha256 mismatch"))).join();

    MrgcRun run = mrgc("instance", "history", "i-hist");
    assertThat(run.exit()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines.get(1)).contains("req-new").contains("FAILED").contains("model_integrity FAILED: model.onnx");
    assertThat(lines.get(2)).contains("req-old").contains("PASSED");
    assertThat(mrgc("instance", "history", "i-none").out()).contains("no washes recorded for i-none");
    assertThat(mrgc("instance", "history", "i-hist", "--limit", "0").err())
        .contains("--limit must be between 1 and 1000, but was 0");
  }

  @Test
  void releaseReturnsOnlyAQuarantinedInstanceToReady() {
    GpuInstanceRepository instances = new GpuInstanceRepository(client);
    instances.put(instance("i-quarantined", InstanceState.QUARANTINED)).join();
    instances.put(instance("i-ready", InstanceState.READY)).join();

    assertThat(mrgc("instance", "release", "i-quarantined").err()).contains("Missing required option: '--reason");
    assertThat(mrgc("instance", "release", "i-quarantined", "--reason", " ").err())
        .contains("--reason must say what was fixed, in 1 to 200 characters");

    MrgcRun released = mrgc("instance", "release", "i-quarantined", "--reason", "restored model.onnx",
        "--operator", "alice");
    assertThat(released.exit()).isZero();
    assertThat(released.out()).contains("i-quarantined released");
    GpuInstanceItem row = instances.findById("i-quarantined").join();
    assertThat(row.getState()).isEqualTo("READY");
    assertThat(row.getStateReason()).isEqualTo("released by alice: restored model.onnx");

    MrgcRun notQuarantined = mrgc("instance", "release", "i-ready", "--reason", "x");
    assertThat(notQuarantined.exit()).isEqualTo(1);
    assertThat(notQuarantined.err()).contains("instance i-ready is READY, not QUARANTINED");
    assertThat(mrgc("instance", "release", "i-unknown", "--reason", "x").err()).contains("no instance i-unknown");
  }

  @Test
  void statusCountsAndListsWashingAndQuarantinedInstancesWithTheirReasons() {
    new RoutingStateRepository(client).createIfAbsent("us-west-2", System.currentTimeMillis()).join();
    GpuInstanceRepository instances = new GpuInstanceRepository(client);
    GpuInstanceItem quarantined = instance("i-west-bad", InstanceState.QUARANTINED);
    quarantined.setRegion("us-west-2");
    quarantined.setStateReason("model-integrity FAILED: 1/model.onnx chunk 3 sha256 mismatch");
    GpuInstanceItem washing = instance("i-west-restart", InstanceState.WASHING);
    washing.setRegion("us-west-2");
    washing.setStateReason("enclave restart: 1000 requests since the last");
    GpuInstanceItem ready = instance("i-west-ok", InstanceState.READY);
    ready.setRegion("us-west-2");
    List.of(quarantined, washing, ready).forEach(i -> instances.put(i).join());

    MrgcRun status = mrgc("status");
    assertThat(status.exit()).as(status.err()).isZero();
    assertThat(status.out()).containsPattern("us-west-2 +NORMAL +100% +3 +1 +1 +1");
    assertThat(status.out()).containsPattern("i-west-bad +QUARANTINED +model-integrity FAILED: 1/model.onnx chunk 3")
        .containsPattern("i-west-restart +WASHING +enclave restart: 1000 requests")
        .contains("mrgc instance release ID --reason");
    assertThat(status.out().lines().filter(l -> l.startsWith("i-west-ok")).count())
        .as("a READY instance is only in the instance table").isEqualTo(1);
  }

  private static GpuInstanceItem instance(String id, InstanceState state) {
    GpuInstanceItem item = new GpuInstanceItem();
    item.setRegion("us-east-2");
    item.setInstanceId(id);
    item.setState(state.name());
    item.setHeartbeatAtMillis(System.currentTimeMillis());
    return item;
  }

  private static CleanupValidationItem wash(String instanceId, long at, String requestId, String outcome,
      CleanupValidationStepItem... steps) {
    CleanupValidationItem item = new CleanupValidationItem();
    item.setInstanceId(instanceId);
    item.setCompletedAtRequest(CleanupValidationItem.sortKey(at, requestId));
    item.setRegion("us-east-2");
    item.setRequestId(requestId);
    item.setOutcome(outcome);
    item.setTotalMicros(1_500);
    item.setSteps(List.of(steps));
    item.setExpiresAtEpochSeconds(at / 1000 + 3600);
    return item;
  }

  private static CleanupValidationStepItem step(String name, String outcome, String detail) {
    CleanupValidationStepItem step = new CleanupValidationStepItem();
    step.setName(name);
    step.setOutcome(outcome);
    step.setDetail(detail);
    step.setMicros(500);
    return step;
  }
}
