package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.MODEL;
import static io.mrgc.agent.AgentFixture.REGION;
import static io.mrgc.agent.AgentFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.GpuInstanceItem;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class HeartbeatTest {
  @TempDir
  static Path root;
  private static StateClient state;
  private static GpuInstanceRepository rows;

  @BeforeAll
  static void setUp() {
    ModelInstaller.installMiniLm(root);
    state = AgentFixture.stateClient();
    rows = new GpuInstanceRepository(state);
  }

  @AfterAll
  static void tearDown() {
    state.close();
  }

  /** Polls the row until {@code condition} holds (bounded; not a timing assertion). */
  private static GpuInstanceItem awaitRow(String instanceId, Predicate<GpuInstanceItem> condition) {
    long deadline = System.currentTimeMillis() + 15_000;
    GpuInstanceItem row = null;
    while (System.currentTimeMillis() < deadline) {
      row = rows.get(REGION, instanceId).join();
      if (row != null && condition.test(row)) {
        return row;
      }
      sleep(100);
    }
    throw new AssertionError("row " + instanceId + " never matched; last: " + describe(row));
  }

  private static String describe(GpuInstanceItem row) {
    return row == null ? "none" : row.getState() + " v" + row.getVersion() + " at " + row.getHeartbeatAtMillis();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void rowIsReadyUpdatesKeepsAnExternalDrainAndEndsTerminated(Vertx vertx) {
    NodeAgent agent = AgentFixture.start(vertx, state, "i-heartbeat", root, b -> b);
    GpuInstanceItem first = awaitRow("i-heartbeat", r -> InstanceState.READY.name().equals(r.getState()));
    assertThat(first.getEndpoint()).isEqualTo(agent.endpoint()).isEqualTo("http://127.0.0.1:" + agent.actualPort());
    assertThat(first.getModels()).containsExactly(MODEL);
    assertThat(first.getHealth()).isEqualTo(100);
    assertThat(first.getQueueDepth()).isZero();
    assertThat(first.getStartedAtMillis()).isPositive();
    long nowSeconds = System.currentTimeMillis() / 1000;
    assertThat(first.getExpiresAtEpochSeconds()).isBetween(nowSeconds + 30, nowSeconds + 61);

    GpuInstanceItem later = awaitRow("i-heartbeat", r -> r.getHeartbeatAtMillis() > first.getHeartbeatAtMillis());
    assertThat(later.getVersion()).isGreaterThan(first.getVersion());
    assertThat(later.getState()).isEqualTo("READY");

    // An SRE drains the instance: the agent's next writes are refused once, then keep DRAINING.
    GpuInstanceItem drained = rows.get(REGION, "i-heartbeat").join();
    drained.setState(InstanceState.DRAINING.name());
    drained = writeExternally(drained);
    long drainedAt = drained.getHeartbeatAtMillis();
    long drainedVersion = drained.getVersion();
    GpuInstanceItem afterDrain = awaitRow("i-heartbeat", r -> r.getVersion() > drainedVersion + 1);
    assertThat(afterDrain.getState()).isEqualTo("DRAINING");
    assertThat(afterDrain.getHeartbeatAtMillis()).isGreaterThan(drainedAt);
    assertThat(afterDrain.getStateReason()).isEqualTo("set DRAINING by another actor");
    // The agent drains too: no new inference request is taken (refused before its body, for a retry elsewhere).
    assertThat(agent.state()).isEqualTo(InstanceState.DRAINING);
    var refused = AgentFixture.await(AgentFixture.postJson(AgentFixture.client(vertx), agent, "/v1/embeddings",
        AgentFixture.embeddingsRequest("hello")));
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.getHeader("x-mrgc-instance-state")).isEqualTo("DRAINING");

    await(vertx.undeploy(agent.deploymentID()));
    assertThat(rows.get(REGION, "i-heartbeat").join().getState()).isEqualTo("TERMINATED");
  }

  /** Retries a conditional external write that may race with the agent's own heartbeat. */
  private static GpuInstanceItem writeExternally(GpuInstanceItem item) {
    for (int attempt = 0; ; attempt++) {
      try {
        return rows.put(item).join();
      } catch (RuntimeException e) {
        if (attempt == 20) {
          throw e;
        }
        GpuInstanceItem fresh = rows.get(REGION, item.getInstanceId()).join();
        fresh.setState(item.getState());
        item = fresh;
      }
    }
  }

  @Test
  void aCrashedAgentWritesNothingMore(Vertx vertx) {
    NodeAgent agent = AgentFixture.start(vertx, state, "i-crash", root, b -> b);
    awaitRow("i-crash", r -> InstanceState.READY.name().equals(r.getState()));
    await(agent.crash());
    GpuInstanceItem atCrash = rows.get(REGION, "i-crash").join();
    sleep(1000); // five heartbeat intervals
    GpuInstanceItem after = rows.get(REGION, "i-crash").join();
    assertThat(after.getVersion()).isEqualTo(atCrash.getVersion());
    assertThat(after.getState()).isEqualTo("READY");
    await(vertx.undeploy(agent.deploymentID()));
    assertThat(rows.get(REGION, "i-crash").join().getState()).isEqualTo("READY");
  }
}
