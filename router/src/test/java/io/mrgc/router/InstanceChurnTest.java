package io.mrgc.router;

import static io.mrgc.router.FakeAgent.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.router.pick.Backend;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Per-instance state is pruned when instances leave the snapshot (issue #10, finding 10): after many instances came,
 * served (or failed) and went, the router's maps and its Prometheus scrape mention only the instances still there.
 * Without the pruning, every instance id ever seen stayed in the outlier map and in the dispatch, ejection and
 * refusal series forever (autoscaling churns ids all day).
 */
@ExtendWith(VertxExtension.class)
class InstanceChurnTest {
  private static final String REGION = "test-churn";
  private static final int ROUNDS = 8;
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

  @Test
  void instancesThatLeftTheSnapshotLeaveNoStateAndNoMetricSeries(Vertx vertx) throws Exception {
    GpuInstanceRepository instances = new GpuInstanceRepository(client);
    FakeAgent agent = FakeAgent.start(vertx, "i-live");
    String key = Tenants.create(client, "t-churn");
    RouterVerticle router = new RouterVerticle(RouterOptions.defaults(REGION, "router-1")
        .withHeartbeatStaleAfter(Duration.ofMinutes(5)).withSnapshotInterval(Duration.ofMillis(100))
        .withAllowPlaintext(true), client);
    await(vertx.deployVerticle(router));
    WebClient web = WebClient.create(vertx);
    String endpoint = agent.row(REGION, 0).getEndpoint();

    for (int round = 0; round < ROUNDS; round++) {
      // Each round: an instance that serves (the live agent under a new id) and one that cannot be reached.
      String serving = "i-gone-" + round;
      String dead = "i-dead-" + round;
      instances.put(FakeAgent.row(REGION, serving, endpoint, 0)).join();
      instances.put(FakeAgent.deadRow(REGION, dead, 0)).join();
      waitForSnapshot(router, Set.of(serving, dead));
      while (router.metrics().dispatches(dead) == 0 || router.metrics().dispatches(serving) == 0) {
        assertThat(await(web.post(router.actualPort(), "127.0.0.1", "/v2/models/m1/infer")
            .putHeader("authorization", Tenants.bearer(key)).sendBuffer(Buffer.buffer("{}"))).statusCode())
            .isEqualTo(200);
      }
      assertThat(router.metrics().scrape()).contains("instance=\"" + serving + "\"").contains("instance=\"" + dead + "\"");
      instances.delete(REGION, serving).join();
      instances.delete(REGION, dead).join();
    }
    agent.register(instances, REGION, 0);
    waitForSnapshot(router, Set.of("i-live"));
    assertThat(await(web.get(router.actualPort(), "127.0.0.1", "/v2/models/m1")
        .putHeader("authorization", Tenants.bearer(key)).send()).statusCode()).isEqualTo(200);

    String scrape = router.metrics().scrape();
    assertThat(scrape).doesNotContain("i-gone-").doesNotContain("i-dead-").contains("instance=\"i-live\"");
    assertThat(router.outliers().trackedInstances()).isLessThanOrEqualTo(1);
    assertThat(router.inFlight().trackedInstances()).isLessThanOrEqualTo(1);
    assertThat(router.holds().heldCount()).isZero();
    web.close();
  }

  private static void waitForSnapshot(RouterVerticle router, Set<String> ids) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!ids(router).equals(ids) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(ids(router)).isEqualTo(ids);
  }

  private static Set<String> ids(RouterVerticle router) {
    return router.snapshot().backends().stream().map(Backend::instanceId).collect(Collectors.toSet());
  }
}
