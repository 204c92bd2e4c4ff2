package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.autoscaler.loop.LoopConfig;
import io.mrgc.autoscaler.policy.ScalingConfig;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The autoscaler in a local cluster, with windows shortened by configuration: load on one region starts new node
 * agents that become READY and take traffic; when the load goes, they are drained (no request fails) and stopped.
 */
class ClusterAutoscalingTest {
  private static final String REGION = "us-east-1";
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
    ScalingConfig scaling = new ScalingConfig(10, Duration.ofSeconds(3), 0.5, Duration.ofSeconds(6),
        Duration.ofSeconds(2), 1, 3, Duration.ofSeconds(10), Duration.ofSeconds(2));
    LoopConfig loop = new LoopConfig(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30),
        Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(5));
    cluster = LocalCluster.start(LocalClusterOptions.ephemeral(dir).withAgentsPerRegion(1).withAllowPlaintext(true)
        .withAutoscaling(new AutoscalingOptions(scaling, loop, Duration.ofMillis(500), Duration.ofSeconds(1))));
    cluster.awaitServing(Duration.ofSeconds(60));
    TenantAdmin.Credentials tenant = cluster.createTenant("load",
        new TenantAdmin.TenantSettings(List.of(), List.of(), 100_000.0, 100_000));
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
