package io.mrgc.router;

import static io.mrgc.router.FakeAgent.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.router.pick.Backend;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.mrgc.state.Tables;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Failures: an instance dying under load, and DynamoDB going away and coming back. Own database per test. */
@ExtendWith(VertxExtension.class)
class RouterResilienceTest {
  private LocalState state;
  private StateClient client;
  private GpuInstanceRepository instances;
  private Vertx vertx;
  private WebClient web;
  private String key;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    state = LocalState.start();
    client = state.client("us-east-2");
    instances = new GpuInstanceRepository(client);
    web = WebClient.create(vertx);
    // Lifted rate limit: the load loops here send a few hundred requests per second.
    key = Tenants.create(client, "tenant-resilience", tenant -> {
      tenant.setRateLimitRps(100_000.0);
      tenant.setRateLimitBurst(100_000);
    });
  }

  /** Plain test bodies (allowPlaintext); the model for the /v1 path comes in x-mrgc-model. */
  private io.vertx.ext.web.client.HttpRequest<Buffer> post(int port) {
    return web.post(port, "127.0.0.1", "/v1/embeddings")
        .putHeader("authorization", Tenants.bearer(key))
        .putHeader("x-mrgc-model", "m1");
  }

  @AfterEach
  void tearDown() {
    for (String id : vertx.deploymentIDs()) { // stop polling before the state client closes
      await(vertx.undeploy(id));
    }
    web.close();
    client.close();
    state.close();
  }

  private record Outcome(long startedAtMillis, int status) {}

  @Test
  void killedInstanceStopsGettingTrafficWithinThreeSecondsAndRequestsKeepSucceeding() throws Exception {
    String region = "test-kill";
    List<FakeAgent> agents = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      FakeAgent agent = FakeAgent.start(vertx, "i-" + i);
      agent.responseDelayMillis = 10;
      agent.register(instances, region, 0);
      agents.add(agent);
    }
    // Heartbeats never go stale here: only the router's own passive detection can protect the clients.
    RouterVerticle router = new RouterVerticle(RouterOptions.defaults(region, "router-1")
        .withHeartbeatStaleAfter(Duration.ofMinutes(5)).withAllowPlaintext(true), client);
    await(vertx.deployVerticle(router));

    ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    long stopAt = System.currentTimeMillis() + 5_000;
    List<Future<Void>> workers = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      workers.add(loop(router.actualPort(), stopAt, outcomes));
    }
    Thread.sleep(1_000);
    FakeAgent victim = agents.get(0);
    long killedAt = System.currentTimeMillis();
    victim.kill();
    Thread.sleep(3_000);
    double dispatchesAt3s = router.metrics().dispatches("i-0");
    Future.all(workers).toCompletionStage().toCompletableFuture().get();
    double dispatchesAtEnd = router.metrics().dispatches("i-0");

    assertThat(dispatchesAtEnd).as("no request sent to the dead instance after 3 s").isEqualTo(dispatchesAt3s);
    Backend dead = router.snapshot().backends().stream().filter(b -> b.instanceId().equals("i-0")).findFirst()
        .orElseThrow();
    // Out by a connect failure (ejected), or held: the request it had when it died was cut off, so its state is
    // unknown until a newer heartbeat, which a dead instance never writes.
    assertThat(router.outliers().isEjected("i-0") || router.holds().isHeld(dead)).isTrue();
    assertThat(agents.get(1).maxConcurrent.get()).as("one request at a time").isEqualTo(1);
    assertThat(agents.get(2).maxConcurrent.get()).as("one request at a time").isEqualTo(1);
    List<Outcome> afterKill = outcomes.stream().filter(o -> o.startedAtMillis() > killedAt + 200).toList();
    assertThat(afterKill).hasSizeGreaterThan(50);
    assertThat(afterKill).allSatisfy(o -> assertThat(o.status()).isEqualTo(200));
    assertThat(agents.get(1).requests.get() + agents.get(2).requests.get()).isGreaterThan(50);
  }

  /** Sends requests one after another until {@code stopAt}, recording each status (0 for a transport failure). */
  private Future<Void> loop(int port, long stopAt, ConcurrentLinkedQueue<Outcome> outcomes) {
    if (System.currentTimeMillis() >= stopAt) {
      return Future.succeededFuture();
    }
    long started = System.currentTimeMillis();
    return post(port).sendBuffer(Buffer.buffer("payload"))
        .map(HttpResponse::statusCode)
        .otherwise(0)
        .compose(status -> {
          outcomes.add(new Outcome(started, status));
          return loop(port, stopAt, outcomes);
        });
  }

  @Test
  void keepsRoutingOnTheLastSnapshotWhileDynamoDbIsDownAndCatchesUpAfter() throws Exception {
    String region = "test-db";
    List<FakeAgent> agents = List.of(FakeAgent.start(vertx, "i-a"), FakeAgent.start(vertx, "i-b"));
    agents.forEach(agent -> agent.register(instances, region, 0));
    // A short auth TTL: during the outage the tenant's cache entry is stale and is served because reads fail.
    RouterVerticle router = new RouterVerticle(RouterOptions.defaults(region, "router-1")
        .withSnapshotInterval(Duration.ofMillis(200)).withHeartbeatStaleAfter(Duration.ofMinutes(5))
        .withAllowPlaintext(true).withAuthCacheTtl(Duration.ofMillis(500)), client);
    await(vertx.deployVerticle(router));
    assertThat(await(post(router.actualPort()).sendBuffer(Buffer.buffer("payload"))).statusCode())
        .as("the tenant is found and cached before the outage").isEqualTo(200);
    assertThat(router.snapshot().backends()).hasSize(2);
    assertThat(router.snapshotAgeSeconds()).isLessThan(2.0);

    state.db().stop();
    Thread.sleep(3_000);
    for (int i = 0; i < 10; i++) {
      HttpResponse<Buffer> response = await(post(router.actualPort()).sendBuffer(Buffer.buffer("payload")));
      assertThat(response.statusCode()).isEqualTo(200);
    }
    double ageDuringOutage = router.snapshotAgeSeconds();
    assertThat(ageDuringOutage).isGreaterThanOrEqualTo(2.5);
    HttpResponse<Buffer> health = await(web.get(router.adminPort(), "127.0.0.1", "/healthz/region").send());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.bodyAsJsonObject().getDouble("snapshotAgeSeconds")).isGreaterThanOrEqualTo(2.5);
    String scrape = await(web.get(router.adminPort(), "127.0.0.1", "/metrics").send()).bodyAsString();
    assertThat(scrape).containsPattern("mrgc_router_snapshot_age_seconds\\{region=\"test-db\"} [2-9]");

    state.db().restart(); // in memory: the tables and rows are gone
    Tables.createAll(client.dynamo()).join();
    agents.forEach(agent -> agent.register(instances, region, 0));
    Tenants.create(client, "tenant-resilience", key, tenant -> {});
    long deadline = System.currentTimeMillis() + 15_000;
    // A poll between createAll and the re-registration may read the empty table: wait for both rows.
    while ((router.snapshotAgeSeconds() >= 1.0 || router.snapshot().backends().size() < 2)
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertThat(router.snapshotAgeSeconds()).isLessThan(1.0);
    assertThat(router.snapshot().backends()).hasSize(2);
    assertThat(await(post(router.actualPort()).sendBuffer(Buffer.buffer("payload"))).statusCode()).isEqualTo(200);
  }
}
