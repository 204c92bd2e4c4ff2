package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.agent.NodeAgent;
import io.mrgc.agent.wash.IsolationAudit;
import io.mrgc.tenant.MrgcClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenant isolation end to end: four tenants' encrypted requests at once through the front door and the routers; every
 * agent's own account of what it served shows no two tenants at once, no batch of two tenants, and a passed wash
 * between tenants before another tenant's first request.
 */
class ClusterTenantIsolationTest {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final int TENANTS = 4;
  private static final int THREADS_PER_TENANT = 3;
  private static final int REQUESTS_PER_THREAD = 12;
  @TempDir
  static Path stateDir;
  private static LocalCluster cluster;
  private static final List<MrgcClient> clients = new ArrayList<>();

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(LocalClusterOptions.ephemeral(stateDir));
    cluster.awaitServing(Duration.ofSeconds(60));
    URI anycast = cluster.anycastUrls().values().iterator().next();
    for (int i = 0; i < TENANTS; i++) {
      TenantAdmin.Credentials tenant = cluster.createTenant("isolated-" + i,
          new TenantAdmin.TenantSettings(List.of(), List.of(), 10_000.0, 10_000));
      clients.add(MrgcClient.builder().endpoint(anycast).tenant(tenant.tenantId()).apiKey(tenant.apiKey())
          .kmsKeyId(tenant.kmsKeyId()).dataKeySource(cluster.tenantKeySource()).build());
    }
  }

  @AfterAll
  static void stop() {
    clients.forEach(MrgcClient::close);
    cluster.close();
  }

  @Test
  void fourTenantsAtOnceNeverShareAnInstanceOrABatchAndEverySwitchIsWashed() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(TENANTS * THREADS_PER_TENANT);
    List<Future<Integer>> results = new ArrayList<>();
    for (int t = 0; t < TENANTS * THREADS_PER_TENANT; t++) {
      MrgcClient client = clients.get(t % TENANTS);
      int thread = t;
      results.add(pool.submit(() -> {
        int ok = 0;
        for (int i = 0; i < REQUESTS_PER_THREAD; i++) {
          ok += client.embed(MODEL, List.of("tenant thread " + thread + " request " + i)).vectors().get(0).length
              == 384 ? 1 : 0;
        }
        return ok;
      }));
    }
    int ok = 0;
    for (Future<Integer> result : results) {
      ok += result.get(180, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(ok).isEqualTo(TENANTS * THREADS_PER_TENANT * REQUESTS_PER_THREAD);

    int started = 0;
    int turns = 0;
    int batchesOfSeveral = 0;
    for (NodeAgent agent : cluster.agents().values()) {
      IsolationAudit.Result audit = IsolationAudit.check(agent.servedEvents());
      assertThat(audit.violations()).as("isolation at %s", agent.instanceId()).isEmpty();
      started += audit.started();
      turns += audit.turns();
      batchesOfSeveral += audit.batchesOfSeveral();
    }
    assertThat(started).as("every request served (a retried one may have started twice)").isGreaterThanOrEqualTo(ok);
    assertThat(turns).as("more tenants than instances in the home region: instances change tenants")
        .isGreaterThan(TENANTS);
    System.out.printf("isolation end to end: %d requests, %d turns, %d batches of several requests%n", started, turns,
        batchesOfSeveral);
  }
}
