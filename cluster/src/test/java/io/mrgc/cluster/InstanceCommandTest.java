package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.CleanupValidationRepository;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.CleanupValidationItem;
import io.mrgc.state.items.CleanupValidationStepItem;
import io.mrgc.state.items.GpuInstanceItem;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** `mrgc instance history|release` against DynamoDB Local, run in-process as `main` runs them. */
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

    MrgcRun released = mrgc("instance", "release", "i-quarantined");
    assertThat(released.exit()).isZero();
    assertThat(released.out()).contains("i-quarantined released: READY");
    assertThat(instances.findById("i-quarantined").join().getState()).isEqualTo("READY");

    MrgcRun notQuarantined = mrgc("instance", "release", "i-ready");
    assertThat(notQuarantined.exit()).isEqualTo(1);
    assertThat(notQuarantined.err()).contains("instance i-ready is READY, not QUARANTINED");
    assertThat(mrgc("instance", "release", "i-unknown").err()).contains("no instance i-unknown");
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
