package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.autoscaler.loop.LoopConfig;
import io.mrgc.autoscaler.policy.ScalingConfig;
import io.mrgc.failover.ops.FailoverOperations;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.state.AutoscalingStateRepository;
import io.mrgc.state.items.AutoscalingStateItem;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The autoscaler in a local cluster, with windows shortened by configuration: load on one region starts new node
 * agents that become READY and take traffic; when the load goes, they are drained (no request fails) and stopped. A
 * planned drain of a loaded region first raises the other regions' capacity (the failover controllers' prescaler).
 */
class ClusterAutoscalingTest {
  private static final String REGION = "us-east-1";
  /** 10 RPS per instance, 1..3 instances, windows of seconds instead of minutes. */
  private static final ScalingConfig SCALING = new ScalingConfig(10, Duration.ofSeconds(3), 0.5, Duration.ofSeconds(6),
      Duration.ofSeconds(2), 1, 3, Duration.ofSeconds(10), Duration.ofSeconds(2));
  private static final LoopConfig LOOP = new LoopConfig(Duration.ofSeconds(1), Duration.ofSeconds(5),
      Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(5));
  @TempDir
  Path dir;
  private LocalCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void loadStartsAgentsThatTakeTrafficAndTheirDepartureLosesNoRequest() throws Exception {
    cluster = LocalCluster.start(LocalClusterOptions.ephemeral(dir).withAgentsPerRegion(1).withAllowPlaintext(true)
        .withAutoscaling(new AutoscalingOptions(SCALING, LOOP, Duration.ofMillis(500), Duration.ofSeconds(1))));
    cluster.awaitServing(Duration.ofSeconds(60));
    TenantAdmin.Credentials tenant = cluster.createTenant("load", // debug headers: it counts who served
        new TenantAdmin.TenantSettings(List.of(), List.of(), 100_000.0, 100_000, true));
    WebClient web = WebClient.create(cluster.vertx());
    URI anycast = cluster.anycastUrls().values().iterator().next();
    Set<String> initial = regionAgents();
    assertThat(initial).hasSize(1);

    // Load well above 10 RPS per instance: the autoscaler goes to its max of 3.
    List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
    Set<String> served = Collections.synchronizedSet(new HashSet<>());
    Load heavy = new Load(web, anycast, tenant.apiKey(), 3, 0, statuses, served);
    heavy.runUntil(() -> regionAgents().size() == 3 && served.stream().anyMatch(id -> !initial.contains(id)),
        Duration.ofSeconds(60));
    assertThat(regionAgents()).hasSize(3);
    assertThat(served).as("new agents took traffic").anyMatch(id -> !initial.contains(id));

    // The load goes (a trickle stays, far below half the target): drained and stopped back to the minimum.
    Load trickle = new Load(web, anycast, tenant.apiKey(), 1, 250, statuses, served);
    trickle.runUntil(() -> regionAgents().size() == 1, Duration.ofSeconds(90));
    assertThat(regionAgents()).hasSize(1);
    assertThat(statuses).isNotEmpty().containsOnly(200);
  }

  @Test
  void aPlannedDrainPreScalesTheOtherRegionsBeforeItMovesTraffic() throws Exception {
    // The autoscalers' own rules wait a minute above target: only the prescaler can grow the survivors in time.
    ScalingConfig slowToGrow = new ScalingConfig(10, Duration.ofSeconds(60), 0.5, Duration.ofSeconds(60),
        Duration.ofSeconds(60), 1, 3, Duration.ofSeconds(10), Duration.ofSeconds(2));
    cluster = LocalCluster.start(LocalClusterOptions.ephemeral(dir).withAgentsPerRegion(1).withAllowPlaintext(true)
        .withAutoscaling(new AutoscalingOptions(slowToGrow, LOOP, Duration.ofMillis(500), Duration.ofSeconds(1)))
        .withFailover(FastHolds.options(List.of(0)))); // one step: it sheds all the region carries
    cluster.awaitServing(Duration.ofSeconds(60));
    TenantAdmin.Credentials tenant = cluster.createTenant("evacuee", // debug headers: it counts who served
        new TenantAdmin.TenantSettings(List.of(), List.of(), 100_000.0, 100_000, true));
    WebClient web = WebClient.create(cluster.vertx());
    URI anycast = cluster.anycastUrls().values().iterator().next();
    List<String> survivors = cluster.regions().stream().filter(r -> !r.equals(REGION)).toList();
    FailoverOperations failover = FailoverOperations.defaults(cluster.stateClient(REGION), cluster.regions(),
        Clock.systemUTC());
    AutoscalingStateRepository autoscaling = new AutoscalingStateRepository(cluster.stateClient(REGION));
    List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
    Set<String> served = Collections.synchronizedSet(new HashSet<>());

    // Three instances in the region to drain (an SRE's override) and load on them until its autoscaler sees it:
    // fresh RPS of more than three instances' target, which the drain's one step moves to the survivors: more than
    // the one instance each has can take.
    autoscaling.setOverride(REGION, 3, System.currentTimeMillis() + 600_000, "test", System.currentTimeMillis()).join();
    // The load runs without a pause through the drain; the test thread watches (blocking reads stay off the
    // cluster's event loops, which the load's callbacks share).
    AtomicBoolean stop = new AtomicBoolean();
    Future<Void> loadDone = new Load(web, anycast, tenant.apiKey(), 8, 0, statuses, served).runWhile(stop);
    Map<Integer, Integer> survivorAgentsAtDial = new ConcurrentHashMap<>();
    Map<Integer, Long> dialSeenAt = new ConcurrentHashMap<>();
    Map<String, Long> overrideSeenAt = new ConcurrentHashMap<>();
    Set<String> waitsFor = ConcurrentHashMap.newKeySet();
    double loadRps;
    try {
      waitUntil(() -> {
        AutoscalingStateItem row = autoscaling.get(REGION).join();
        return agentsIn(REGION) == 3 && row.getRps() != null
            && row.getRps() > 3.0 * slowToGrow.targetRpsPerInstance();
      }, Duration.ofSeconds(60));
      assertThat(survivors).allMatch(r -> agentsIn(r) == 1);
      loadRps = autoscaling.get(REGION).join().getRps();

      // Drain under the same load, watching the dial and the survivors' instances at each step down.
      assertThat(MrgcRun.against(cluster.dynamoDb().endpoint(), "failover", "drain", REGION, "--reason",
          "prescale drill").exit()).isZero();
      waitUntil(() -> {
        FailoverRowItem row = failover.status(REGION).join().row();
        if (row.getDrainWaitsFor() != null) {
          waitsFor.add(row.getDrainWaitsFor());
        }
        dialSeenAt.putIfAbsent(row.getTrafficDial(), System.nanoTime());
        survivorAgentsAtDial.putIfAbsent(row.getTrafficDial(), survivors.stream().mapToInt(this::agentsIn).sum());
        survivors.forEach(r -> {
          AutoscalingStateItem scaling = autoscaling.get(r).join();
          if (scaling != null && scaling.getOverrideBy() != null) {
            overrideSeenAt.putIfAbsent(r + ": " + scaling.getOverrideBy(), System.nanoTime());
          }
        });
        return "DRAINED".equals(row.getDrain());
      }, Duration.ofSeconds(120));
    } finally {
      stop.set(true);
      loadDone.await(60, TimeUnit.SECONDS);
    }

    System.out.printf("prescaled drain of %.1f RPS: survivors' agents at each dial %s; overrides %s; the drain "
        + "waited for %s%n", loadRps, survivorAgentsAtDial, overrideSeenAt.keySet(), waitsFor);
    assertThat(loadRps).as("RPS on %s's 3 instances", REGION).isGreaterThan(3.0 * slowToGrow.targetRpsPerInstance());
    assertThat(failover.status(REGION).join().row().getDrain()).isEqualTo("DRAINED");
    // The prescaler raised the survivors before the dial moved, and the step waited until the new instances served.
    String prescaled = "prescaler: drain of " + REGION;
    assertThat(overrideSeenAt.keySet()).as("the drain raised the survivors' autoscaling")
        .anyMatch(o -> o.endsWith(": " + prescaled));
    long firstOverride = overrideSeenAt.entrySet().stream().filter(e -> e.getKey().endsWith(prescaled))
        .mapToLong(Map.Entry::getValue).min().orElseThrow();
    assertThat(firstOverride).as("override before the dial left 100").isLessThan(dialSeenAt.get(0));
    assertThat(survivorAgentsAtDial.get(0)).as("survivors' agents when the dial reached 0")
        .isGreaterThan(survivors.size());
    assertThat(waitsFor).as("what `mrgc failover status` showed the drain waiting for")
        .anyMatch(w -> w.matches("prescaler: us-\\S+ has \\d+ of \\d+ instances serving.*"));
    assertThat(statuses).isNotEmpty().containsOnly(200);
  }

  /** Polls {@code condition} on the test thread every 100 ms until it holds; fails after {@code timeout}. */
  private static void waitUntil(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited %s", timeout).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private int agentsIn(String region) {
    return (int) cluster.agents().values().stream().filter(a -> a.options().region().equals(region)).count();
  }

  private Set<String> regionAgents() {
    Set<String> ids = new HashSet<>();
    cluster.agents().forEach((id, agent) -> {
      if (agent.options().region().equals(REGION)) {
        ids.add(id);
      }
    });
    return ids;
  }

  /** Closed-loop clients with an optional pause between requests, until a condition holds or time runs out. */
  private record Load(WebClient web, URI anycast, String apiKey, int clients, long pauseMillis,
      List<Integer> statuses, Set<String> served) {

    /** Runs until {@code stop} is set; the future completes once every client has stopped. */
    Future<Void> runWhile(AtomicBoolean stop) {
      List<Future<Void>> loops = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        loops.add(loop(stop::get, Long.MAX_VALUE));
      }
      return Future.all(loops).mapEmpty();
    }

    void runUntil(BooleanSupplier done, Duration timeout) throws Exception {
      long deadline = System.nanoTime() + timeout.toNanos();
      List<Future<Void>> loops = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        loops.add(loop(done, deadline));
      }
      Future.all(loops).await(timeout.toSeconds() + 30, TimeUnit.SECONDS);
    }

    private Future<Void> loop(BooleanSupplier done, long deadline) {
      if (done.getAsBoolean() || System.nanoTime() > deadline) {
        return Future.succeededFuture();
      }
      Future<HttpResponse<Buffer>> sent = web.post(anycast.getPort(), anycast.getHost(), "/v1/embeddings")
          .putHeader("x-mrgc-home-region", REGION)
          .putHeader("Authorization", "Bearer " + apiKey)
          .putHeader("x-mrgc-model", "all-minilm-l6-v2")
          .sendJsonObject(new JsonObject().put("model", "all-minilm-l6-v2").put("input", "autoscaling"));
      return sent.map(response -> {
            statuses.add(response.statusCode());
            served.add(response.getHeader("x-mrgc-instance"));
            return (Void) null;
          })
          .otherwise(error -> {
            statuses.add(-1);
            return null;
          })
          .compose(v -> pauseMillis == 0 ? Future.<Void>succeededFuture()
              : io.vertx.core.Vertx.currentContext().owner().timer(pauseMillis).mapEmpty())
          .compose(v -> loop(done, deadline));
    }
  }
}
