package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.agent.NodeAgent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 4 under {@code mrgc up}: the cluster makes one router<->agent key per deployment, so a tenant's request
 * through the front door and router is served, while the same request sent straight to an agent's port, claiming
 * any tenant, is refused with 401 {@code peer_unauthenticated}. Before, the agent served whoever reached its port
 * as the tenant named in {@code x-mrgc-tenant}.
 */
class ClusterPeerAuthTest {
  @TempDir
  static Path stateDir;
  private static LocalCluster cluster;
  private static WebClient web;
  private static TenantAdmin.Credentials tenant;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(LocalClusterOptions.ephemeral(stateDir).withAllowPlaintext(true));
    cluster.awaitServing(Duration.ofSeconds(60));
    web = WebClient.create(cluster.vertx());
    tenant = cluster.createTenant("peer-auth", TenantAdmin.TenantSettings.defaults());
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static JsonObject body() {
    return new JsonObject().put("model", "all-minilm-l6-v2").put("input", "hello");
  }

  @Test
  void throughTheRouterServedStraightToAnAgentRefused() throws Exception {
    URI anycast = cluster.anycastUrls().values().iterator().next();
    HttpResponse<Buffer> routed = web.post(anycast.getPort(), anycast.getHost(), "/v1/embeddings")
        .putHeader("authorization", "Bearer " + tenant.apiKey()).putHeader("x-mrgc-model", "all-minilm-l6-v2")
        .sendJsonObject(body()).await(30, TimeUnit.SECONDS);
    assertThat(routed.statusCode()).as(routed.bodyAsString()).isEqualTo(200);

    for (NodeAgent agent : cluster.agents().values()) {
      HttpResponse<Buffer> direct = web.post(agent.actualPort(), "127.0.0.1", "/v1/embeddings")
          .putHeader("x-mrgc-tenant", tenant.tenantId()).putHeader("x-mrgc-model", "all-minilm-l6-v2")
          .sendJsonObject(body()).await(30, TimeUnit.SECONDS);
      assertThat(direct.statusCode()).as(agent.instanceId()).isEqualTo(401);
      assertThat(direct.bodyAsJsonObject().getJsonObject("error").getString("code"))
          .isEqualTo("peer_unauthenticated");
    }
  }
}
