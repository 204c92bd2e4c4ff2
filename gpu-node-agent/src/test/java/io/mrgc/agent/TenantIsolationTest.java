package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.await;
import static io.mrgc.agent.AgentFixture.embeddingsRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.agent.wash.ArrivalLog;
import io.mrgc.agent.wash.IsolationAudit;
import io.mrgc.carwash.StepReport;
import io.mrgc.carwash.WashReport;
import io.mrgc.state.StateClient;
import io.mrgc.wire.Headers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One tenant per instance at a time, batching within the tenant, a full wash between tenants, and turns bounded
 * when another tenant waits: checked from the agent's own account of what it served under concurrent load.
 */
@ExtendWith(VertxExtension.class)
class TenantIsolationTest {
  private static final int MAX_BATCH = 4;
  private static final int TURN_REQUESTS = 8;
  private static StateClient state;
  private static WebClient web;

  @BeforeAll
  static void setUp(Vertx vertx) {
    state = AgentFixture.stateClient();
    web = AgentFixture.client(vertx);
  }

  @AfterAll
  static void tearDown() {
    web.close();
    state.close();
  }

  private static NodeAgent start(Vertx vertx, String id, Path root) {
    ModelInstaller.installMiniLm(root);
    return AgentFixture.deploy(vertx, new NodeAgent(AgentFixture.options(id, root).maxBatchSize(MAX_BATCH)
        .maxBatchWait(Duration.ofMillis(5)).tenantTurnRequests(TURN_REQUESTS).tenantTurnTime(Duration.ofMinutes(1))
        .build(), state));
  }

  /** {@code count} requests of {@code tenant} one after another; each answer's status goes to {@code statuses}. */
  private static Future<Void> loop(NodeAgent agent, String tenant, String name, int count, List<Integer> statuses,
      List<Long> latencies, AtomicBoolean stop) {
    if (count == 0 || stop.get()) {
      return Future.succeededFuture();
    }
    long start = System.nanoTime();
    return web.post(agent.actualPort(), "127.0.0.1", "/v1/embeddings").putHeader("content-type", "application/json")
        .putHeader(Headers.TENANT, tenant).putHeader(Headers.REQUEST_ID, name + "-" + count)
        .sendBuffer(Buffer.buffer(embeddingsRequest("request " + count + " of " + name).encode()))
        .compose(response -> {
          statuses.add(response.statusCode());
          latencies.add(System.nanoTime() - start);
          return loop(agent, tenant, name, count - 1, statuses, latencies, stop);
        });
  }

  @Test
  void fourTenantsUnderMixedLoadNeverShareABatchOrTheInstanceAndEverySwitchIsWashed(Vertx vertx,
      @TempDir Path root) {
    NodeAgent agent = start(vertx, "i-isolation-mixed", root);
    List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    List<Future<Void>> loops = new ArrayList<>();
    AtomicBoolean never = new AtomicBoolean();
    for (int tenant = 0; tenant < 4; tenant++) {
      for (int connection = 0; connection < 4; connection++) {
        loops.add(loop(agent, "tenant-" + tenant, "t" + tenant + "c" + connection, 8, statuses, latencies, never));
      }
    }
    await(Future.all(loops));
    assertThat(statuses).hasSize(128).containsOnly(200);

    IsolationAudit.Result counts = IsolationAudit.check(agent.servedEvents());
    assertThat(counts.violations()).isEmpty();
    assertThat(counts.started()).isEqualTo(128);
    assertThat(counts.batchesOfSeveral()).as("concurrent requests of one tenant share session runs").isPositive();
    assertThat(counts.turns()).as("turns of different tenants").isGreaterThanOrEqualTo(4);
    List<WashReport> betweenTenants = agent.recentWashes().stream()
        .filter(wash -> wash.requestId().startsWith("scheduled-tenant-switch-")).toList();
    assertThat(betweenTenants).hasSizeGreaterThanOrEqualTo(counts.turns() - 1).allSatisfy(wash -> {
      assertThat(wash.outcome()).isEqualTo(WashReport.Outcome.PASSED);
      assertThat(wash.steps()).extracting(StepReport::name)
          .containsExactly("buffer-scrub", "background-checks", "clean-state");
    });
    assertThat(agent.recentWashes()).filteredOn(wash -> !wash.requestId().startsWith("scheduled-"))
        .as("a record for every request").hasSize(128)
        .allSatisfy(wash -> assertThat(wash.steps()).extracting(StepReport::name)
            .containsExactly("buffer-scrub", "clean-state"));
    await(vertx.undeploy(agent.deploymentID()));
  }

  @Test
  void aHeavyTenantsFloodGivesWayToALightTenantWithinTheTurnBound(Vertx vertx, @TempDir Path root) {
    NodeAgent agent = start(vertx, "i-isolation-fair", root);
    List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
    List<Long> heavyLatencies = Collections.synchronizedList(new ArrayList<>());
    List<Long> lightLatencies = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean stop = new AtomicBoolean();
    List<Future<Void>> heavy = new ArrayList<>();
    for (int connection = 0; connection < 12; connection++) {
      heavy.add(loop(agent, "heavy", "heavy" + connection, 1_000, statuses, heavyLatencies, stop));
    }
    AgentFixture.eventually("the flood runs", () -> agent.servedEvents().size() > 50);
    await(loop(agent, "light", "light", 12, statuses, lightLatencies, new AtomicBoolean())
        .onComplete(done -> stop.set(true)));
    await(Future.all(heavy));
    assertThat(statuses).containsOnly(200);

    List<ArrivalLog.Event> events = agent.servedEvents();
    assertThat(IsolationAudit.check(events).violations()).isEmpty();
    Map<String, Integer> passedBy = IsolationAudit.othersStartedWhileWaiting(events, "light");
    assertThat(passedBy).hasSize(12);
    assertThat(passedBy.values()).as("heavy requests let in while a light request waited")
        .allSatisfy(count -> assertThat(count).isLessThanOrEqualTo(TURN_REQUESTS));
    List<Long> sorted = new ArrayList<>(lightLatencies);
    Collections.sort(sorted);
    List<Long> heavySorted = new ArrayList<>(heavyLatencies);
    Collections.sort(heavySorted);
    System.out.printf("fairness: light p50 %.1f ms max %.1f ms over %d; heavy p50 %.1f ms p99 %.1f ms over %d; "
            + "heavy starts while light waited: %s%n", sorted.get(sorted.size() / 2) / 1e6,
        sorted.get(sorted.size() - 1) / 1e6, sorted.size(), heavySorted.get(heavySorted.size() / 2) / 1e6,
        heavySorted.get(heavySorted.size() * 99 / 100) / 1e6, heavySorted.size(), passedBy.values());
    await(vertx.undeploy(agent.deploymentID()));
  }
}
