package io.mrgc.failover.service;

import static io.mrgc.state.ServiceFixture.await;
import static io.mrgc.state.ServiceFixture.get;
import static io.mrgc.state.ServiceFixture.leaseHolder;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.common.service.Service;
import io.mrgc.state.ServiceFixture;
import io.vertx.core.http.HttpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mrgc serve failover-controller} from its YAML file alone (mode local, DynamoDB Local), probing two routers of
 * the other region; and two replicas of one region: a graceful stop hands the leases over at once.
 */
class FailoverServiceTest {
  static ServiceFixture fx;
  static HttpServer routers;
  static final Set<String> probed = ConcurrentHashMap.newKeySet();
  @TempDir
  Path dir;

  @BeforeAll
  static void start() {
    fx = ServiceFixture.start("us-east-1");
    routers = fx.vertx.createHttpServer().requestHandler(request -> {
      probed.add(request.path());
      request.response().setStatusCode(200)
          .end("{\"region\":\"us-east-2\",\"status\":\"serving\",\"routable\":2,\"failoverState\":\"NORMAL\"}");
    }).listen(0, "127.0.0.1").await();
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  String yaml(String holder, String period) {
    String router = "http://127.0.0.1:" + routers.actualPort();
    return """
        mode: local
        region: us-east-1
        state:
          endpoint: %s
        leaseHolder: %s
        admin:
          port: 0
        evaluationPeriod: %s
        leaseTtl: 60s
        regions: [us-east-1, us-east-2]
        probe:
          timeout: 500ms
          routers:
            us-east-2: [%s/router-1/healthz/region, %s/router-2/healthz/region]
        health:
          minServingInstances: 1
        """.formatted(fx.stateEndpoint(), holder, period, router, router);
  }

  @Test
  void startsFromItsFileProbesEveryRouterAndReleasesItsLeasesOnStop() throws Exception {
    FailoverService service = (FailoverService) ServiceFixture.start(new FailoverServiceDefinition(),
        dir.resolve("failover.yaml"), yaml("failover-solo", "1s"), fx.vertx);

    // It decides for the other region (never its own) and probes both of that region's routers.
    assertThat(await(() -> "failover-solo".equals(leaseHolder(fx.client, "failover/us-east-2")),
        Duration.ofSeconds(10))).isTrue();
    assertThat(await(() -> probed.containsAll(Set.of("/router-1/healthz/region", "/router-2/healthz/region")),
        Duration.ofSeconds(10))).isTrue();
    assertThat(service.heldLeases()).containsExactly("failover/us-east-2");
    int admin = service.adminPort();
    assertThat(get(admin, "/readyz")).isEqualTo("200 ready\n");
    assertThat(get(admin, "/healthz")).contains("\"leases\":[\"failover/us-east-2\"]");
    assertThat(await(() -> metrics(admin).contains("mrgc_failover_leader"), Duration.ofSeconds(10))).isTrue();

    assertThat(ServiceFixture.stop(service)).isEqualTo("failover-controller us-east-1 released failover/us-east-2");
    assertThat(leaseHolder(fx.client, "failover/us-east-2")).isEqualTo("(released)");
  }

  @Test
  void whenTheLeaderStopsTheStandbyLeadsWithinAnEvaluationNotWhenTheLeaseExpires() throws Exception {
    // Leases of 60 s: without the release on stop, the standby would wait a minute.
    Service leader = ServiceFixture.start(new FailoverServiceDefinition(), dir.resolve("a.yaml"),
        yaml("replica-a", "1s"), fx.vertx);
    assertThat(await(() -> "replica-a".equals(leaseHolder(fx.client, "failover/us-east-2")),
        Duration.ofSeconds(10))).isTrue();
    FailoverService standby = (FailoverService) ServiceFixture.start(new FailoverServiceDefinition(),
        dir.resolve("b.yaml"), yaml("replica-b", "1s"), fx.vertx);
    Thread.sleep(1_500); // the standby evaluates and finds the lease held
    assertThat(standby.heldLeases()).isEmpty();

    assertThat(ServiceFixture.stop(leader)).isEqualTo("failover-controller us-east-1 released failover/us-east-2");

    // Bounded wait of about three evaluations (the standby takes it at its next one).
    assertThat(await(() -> "replica-b".equals(leaseHolder(fx.client, "failover/us-east-2")),
        Duration.ofSeconds(3)))
        .as("the standby holds failover/us-east-2").isTrue();
    assertThat(ServiceFixture.stop(standby)).isEqualTo("failover-controller us-east-1 released failover/us-east-2");
  }

  private static String metrics(int port) {
    try {
      return get(port, "/metrics");
    } catch (Exception e) {
      return "";
    }
  }
}
