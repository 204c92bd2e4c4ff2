package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.tenant.MrgcClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failures in a real local cluster: a node agent killed under load, DynamoDB Local stopped mid-run. */
class ClusterResilienceTest {
  private static final String REGION = "us-east-1";
  @TempDir
  Path dir;
  private LocalCluster cluster;
  private WebClient web;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private TenantAdmin.Credentials tenant;

  private void start(LocalClusterOptions options) {
    cluster = LocalCluster.start(options.withAllowPlaintext(true));
    cluster.awaitServing(Duration.ofSeconds(60));
    web = WebClient.create(cluster.vertx());
    // Unlimited rate: the load here is the point, not the tenant's quota.
    // Debug headers: the test follows which instance served (x-mrgc-instance).
    tenant = cluster.createTenant("load",
        new TenantAdmin.TenantSettings(List.of(), List.of(), 100_000.0, 100_000, true));
  }

  @Test
  void agentKilledUnderLoadStopsGettingTrafficWithinThreeSecondsAndRequestsKeepSucceeding() throws Exception {
    start(LocalClusterOptions.ephemeral(dir));
    String victim = "i-local-" + REGION + "-1";
    Load load = new Load(4);
    load.runFor(Duration.ofSeconds(2));
    long crashedAt = System.nanoTime();
    cluster.crashAgent(victim);
    load.markCrash();
    load.runFor(Duration.ofSeconds(3));
    double dispatchesAtThreeSeconds = dispatches(victim);
    double secondsSinceCrash = (System.nanoTime() - crashedAt) / 1e9;
    load.runFor(Duration.ofSeconds(4));

    assertThat(secondsSinceCrash).isGreaterThanOrEqualTo(3);
    assertThat(dispatches(victim)).as("router dispatches to the killed agent after 3 s")
        .isEqualTo(dispatchesAtThreeSeconds);
    assertThat(load.afterCrash.size()).isGreaterThan(20);
    assertThat(load.afterCrash).as("statuses of requests sent after the kill").containsOnly(200);
    assertThat(load.servedAfterCrash).as("the killed agent's region-mate took the traffic")
        .contains("i-local-" + REGION + "-2").doesNotContain(victim);
  }

  @Test
  void dynamoDbStoppedMidRunRoutersKeepRoutingOnTheirLastSnapshotAndRecover() throws Exception {
    start(LocalClusterOptions.ephemeral(dir).withDataDir(dir.resolve("dynamodb")));
    assertThat(send().statusCode()).as("warms the router's cache of the tenant").isEqualTo(200);
    cluster.dynamoDb().stop();
    Load load = new Load(2);
    load.markCrash();
    load.runFor(Duration.ofSeconds(5));
    assertThat(load.afterCrash.size()).isGreaterThan(10);
    assertThat(load.afterCrash).as("statuses while DynamoDB is down").containsOnly(200);
    JsonObject down = regionHealth();
    assertThat(down.getDouble("snapshotAgeSeconds")).isGreaterThan(3.0);
    assertThat(down.getString("status")).as("a store outage is not a region outage").isEqualTo("serving");

    cluster.dynamoDb().restart();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    double age = down.getDouble("snapshotAgeSeconds");
    while (System.nanoTime() < deadline && age > 2.0) {
      Thread.sleep(200);
      age = regionHealth().getDouble("snapshotAgeSeconds");
    }
    assertThat(age).as("snapshot age after DynamoDB returned").isLessThanOrEqualTo(2.0);
    assertThat(send().statusCode()).isEqualTo(200);
  }

  @Test
  void enclaveDownMakesItsInstanceReportHealthZeroAndTrafficGoesAroundItUntilItAnswersAgain() throws Exception {
    start(LocalClusterOptions.ephemeral(dir));
    String victim = "i-local-" + REGION + "-1";
    GpuInstanceRepository rows = new GpuInstanceRepository(cluster.stateClient(REGION));
    try (MrgcClient sdk = MrgcClient.builder().endpoint(cluster.anycastUrls().values().iterator().next())
        .tenant(tenant.tenantId()).apiKey(tenant.apiKey()).kmsKeyId(tenant.kmsKeyId())
        .dataKeySource(cluster.tenantKeySource()).build()) {
      assertThat(sdk.embed("all-minilm-l6-v2", List.of("before")).vectors()).hasSize(1);
      long restartsBefore = cluster.enclave(victim).restarts();
      cluster.enclave(victim).stop();
      // The agent notices at its next ping: it reports health 0 at once and its car wash restarts the enclave. A
      // local enclave boots in tens of milliseconds, so the restart may win the race with the heartbeat's write;
      // either is the agent reacting.
      awaitNoticed(rows, victim, () -> cluster.enclave(victim).restarts() > restartsBefore);
      Thread.sleep(1_500); // the router's next snapshot poll sees it
      for (int i = 0; i < 20; i++) {
        assertThat(sdk.embed("all-minilm-l6-v2", List.of("while down " + i)).vectors()).hasSize(1);
      }
      cluster.enclave(victim).start(); // a fresh enclave: new key pair, empty caches
      awaitHealth(rows, victim, health -> health > 0);
      assertThat(sdk.embed("all-minilm-l6-v2", List.of("after")).vectors()).hasSize(1);
    }
  }

  /** Until the row reports health 0 or {@code restarted} says the agent already restarted the enclave. */
  private static void awaitNoticed(GpuInstanceRepository rows, String instanceId, BooleanSupplier restarted)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (restarted.getAsBoolean() || rows.get(REGION, instanceId).join().getHealth() == 0) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(instanceId + " neither reported health 0 nor restarted its enclave within 15 s");
  }

  private static void awaitHealth(GpuInstanceRepository rows, String instanceId, IntPredicate wanted)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    int health = -1;
    while (System.nanoTime() < deadline) {
      health = rows.get(REGION, instanceId).join().getHealth();
      if (wanted.test(health)) {
        return;
      }
      Thread.sleep(100);
    }
    assertThat(health).as("health of " + instanceId).matches(wanted::test);
  }

  private JsonObject regionHealth() throws Exception {
    URI router = cluster.routerAdminUrls().get(REGION); // the details are on the admin listener
    return web.get(router.getPort(), router.getHost(), "/healthz/region").send()
        .await(10, TimeUnit.SECONDS).bodyAsJsonObject();
  }

  private double dispatches(String instanceId) throws Exception {
    URI router = cluster.routerAdminUrls().get(REGION);
    String metrics = web.get(router.getPort(), router.getHost(), "/metrics").send()
        .await(10, TimeUnit.SECONDS).bodyAsString();
    Matcher m = Pattern.compile("mrgc_router_dispatches_total\\{[^}]*instance=\"" + Pattern.quote(instanceId)
        + "\"[^}]*} ([0-9.Ee+-]+)").matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private Future<HttpResponse<Buffer>> sendAsync() {
    URI anycast = cluster.anycastUrls().values().iterator().next();
    return web.post(anycast.getPort(), anycast.getHost(), "/v1/embeddings")
        .putHeader("x-mrgc-home-region", REGION)
        .putHeader("Authorization", "Bearer " + tenant.apiKey())
        .putHeader("x-mrgc-model", "all-minilm-l6-v2")
        .sendJsonObject(new JsonObject().put("model", "all-minilm-l6-v2").put("input", "steady load"));
  }

  private HttpResponse<Buffer> send() throws Exception {
    return sendAsync().await(30, TimeUnit.SECONDS);
  }

  /** A few closed-loop clients; records statuses (and serving instances) of requests started after a mark. */
  private final class Load {
    private final int clients;
    private volatile boolean marked;
    final List<Integer> afterCrash = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<String> servedAfterCrash = java.util.Collections.synchronizedList(new ArrayList<>());

    Load(int clients) {
      this.clients = clients;
    }

    void markCrash() {
      marked = true;
    }

    void runFor(Duration duration) throws Exception {
      long end = System.nanoTime() + duration.toNanos();
      List<Future<Void>> loops = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        loops.add(loop(end));
      }
      Future.all(loops).await(duration.toSeconds() + 30, TimeUnit.SECONDS);
    }

    private Future<Void> loop(long endNanos) {
      if (System.nanoTime() >= endNanos) {
        return Future.succeededFuture();
      }
      boolean counted = marked;
      return sendAsync()
          .map(response -> {
            if (counted) {
              afterCrash.add(response.statusCode());
              servedAfterCrash.add(response.getHeader("x-mrgc-instance"));
            }
            return null;
          })
          .otherwise(error -> {
            if (counted) {
              afterCrash.add(-1);
            }
            return null;
          })
          .compose(v -> loop(endNanos));
    }
  }
}
