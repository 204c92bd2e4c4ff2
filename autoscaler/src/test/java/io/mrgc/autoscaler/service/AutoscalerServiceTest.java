package io.mrgc.autoscaler.service;

import static io.mrgc.state.ServiceFixture.await;
import static io.mrgc.state.ServiceFixture.get;
import static io.mrgc.state.ServiceFixture.leaseHolder;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.autoscaler.fleet.FleetInstance;
import io.mrgc.autoscaler.fleet.ProcessFleet;
import io.mrgc.state.ServiceFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mrgc serve autoscaler} from its YAML file alone: mode local, DynamoDB Local, the process fleet. */
class AutoscalerServiceTest {
  static ServiceFixture fx;
  @TempDir
  Path dir;
  ProcessFleet fleet;

  @BeforeAll
  static void startDb() {
    fx = ServiceFixture.start("us-east-1");
  }

  @AfterAll
  static void stopDb() {
    fx.close();
  }

  @AfterEach
  void terminateInstances() {
    if (fleet != null) {
      fleet.terminate(fleet.describe().stream().map(FleetInstance::id).toList());
    }
  }

  @Test
  void startsFromItsFileLeadsLaunchesTheFloorAndReleasesItsLeaseOnStop() throws Exception {
    Path template = dir.resolve("agent.yaml");
    Files.writeString(template, "instanceId: ${instanceId}\nlistener:\n  port: ${port}\n");
    Path workDir = dir.resolve("fleet");
    String yaml = """
        mode: local
        region: us-east-1
        state:
          endpoint: %s
        leaseHolder: autoscaler-a
        admin:
          port: 0
        scaling:
          minInstances: 2
          maxInstances: 4
        loop:
          period: 1s
          leaseTtl: 60s
        fleet:
          type: local
          local:
            agentConfigTemplate: %s
            workDir: %s
            command: [sleep, "60"]
            terminateGrace: 2s
        """.formatted(fx.stateEndpoint(), template, workDir);
    AutoscalerService service = (AutoscalerService) ServiceFixture.start(new AutoscalerServiceDefinition(),
        dir.resolve("autoscaler.yaml"), yaml, fx.vertx);
    fleet = new ProcessFleet("us-east-1", new ProcessFleet.Settings(workDir, List.of("true"), template,
        Duration.ofSeconds(2)));

    assertThat(await(() -> "autoscaler-a".equals(leaseHolder(fx.client, "autoscaler/us-east-1")),
        Duration.ofSeconds(10))).isTrue();
    // No load: the floor of two instances, launched as agent processes (here: sleep).
    assertThat(await(() -> fleet.describe().size() == 2, Duration.ofSeconds(10))).isTrue();
    int admin = service.adminPort();
    assertThat(get(admin, "/readyz")).isEqualTo("200 ready\n");
    assertThat(get(admin, "/healthz")).startsWith("200 ")
        .contains("\"name\":\"autoscaler us-east-1\",\"leases\":[\"autoscaler/us-east-1\"]");
    assertThat(get(admin, "/metrics")).contains("mrgc_autoscaler_leader{region=\"us-east-1\"} 1.0")
        .contains("mrgc_autoscaler_launched_total{region=\"us-east-1\"} 2.0");

    String account = ServiceFixture.stop(service);

    assertThat(account).isEqualTo("autoscaler us-east-1 released autoscaler/us-east-1");
    assertThat(leaseHolder(fx.client, "autoscaler/us-east-1")).isEqualTo("(released)");
  }
}
