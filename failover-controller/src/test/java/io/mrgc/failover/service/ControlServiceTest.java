package io.mrgc.failover.service;

import static io.mrgc.state.ServiceFixture.await;
import static io.mrgc.state.ServiceFixture.get;
import static io.mrgc.state.ServiceFixture.leaseHolder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.autoscaler.fleet.FleetInstance;
import io.mrgc.autoscaler.fleet.ProcessFleet;
import io.mrgc.common.config.ConfigException;
import io.mrgc.common.config.ConfigSource;
import io.mrgc.common.service.ServiceRunner;
import io.mrgc.state.ServiceFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mrgc serve control}: both loops of a region from one file with both sections, one admin listener. */
class ControlServiceTest {
  static ServiceFixture fx;
  @TempDir
  Path dir;

  @BeforeAll
  static void start() {
    fx = ServiceFixture.start("us-west-2");
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  @Test
  void runsTheAutoscalerAndTheFailoverControllerFromOneFileAndReleasesBothOnStop() throws Exception {
    Path template = Files.writeString(dir.resolve("agent.yaml"), "instanceId: ${instanceId}\nport: ${port}\n");
    Path workDir = dir.resolve("fleet");
    String yaml = """
        mode: local
        region: us-west-2
        state:
          endpoint: %s
        leaseHolder: control-1
        admin:
          port: 0
        autoscaler:
          scaling:
            minInstances: 1
          loop:
            period: 1s
          fleet:
            type: local
            local:
              agentConfigTemplate: %s
              workDir: %s
              command: [sleep, "60"]
              terminateGrace: 2s
        failover:
          evaluationPeriod: 1s
          regions: [us-west-2, us-east-1]
        """.formatted(fx.stateEndpoint(), template, workDir);
    ProcessFleet fleet = new ProcessFleet("us-west-2", new ProcessFleet.Settings(workDir, List.of("true"), template,
        Duration.ofSeconds(2)));
    try {
      ControlService service = (ControlService) ServiceFixture.start(new ControlServiceDefinition(),
          dir.resolve("control.yaml"), yaml, fx.vertx);

      assertThat(await(() -> service.heldLeases().equals(List.of("autoscaler/us-west-2", "failover/us-east-1")),
          Duration.ofSeconds(10))).isTrue();
      assertThat(leaseHolder(fx.client, "autoscaler/us-west-2")).isEqualTo("control-1");
      assertThat(leaseHolder(fx.client, "failover/us-east-1")).isEqualTo("control-1");
      assertThat(await(() -> fleet.describe().size() == 1, Duration.ofSeconds(10))).isTrue();
      String metrics = get(service.adminPort(), "/metrics");
      assertThat(metrics).contains("mrgc_autoscaler_leader{region=\"us-west-2\"} 1.0").contains("mrgc_failover_");

      assertThat(ServiceFixture.stop(service)).isEqualTo("autoscaler us-west-2 released autoscaler/us-west-2; "
          + "failover-controller us-west-2 released failover/us-east-1");
      assertThat(leaseHolder(fx.client, "autoscaler/us-west-2")).isEqualTo("(released)");
      assertThat(leaseHolder(fx.client, "failover/us-east-1")).isEqualTo("(released)");
    } finally {
      fleet.terminate(fleet.describe().stream().map(FleetInstance::id).toList());
    }
  }

  @Test
  void problemsOfBothSectionsAreReportedAtOnceUnderTheirSection() {
    String yaml = """
        mode: local
        region: us-east-1
        state:
          endpoint: http://127.0.0.1:8000
        autoscaler:
          scaling:
            minInstances: 4
            maxInstances: 2
          fleet:
            type: ec2
        failover:
          probe:
            routers:
              us-east-2: [tcp://10.0.2.5:9090]
        leaseHoldr: control-1
        """;
    assertThatThrownBy(() -> ServiceRunner.load(new ControlServiceDefinition(),
        ConfigSource.ofYaml(yaml, "control.yaml", Map.of())))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
            "autoscaler.scaling.maxInstances: minInstances must not exceed maxInstances, but was 4 > 2",
            "autoscaler.fleet.type: 'ec2' is not allowed in mode local; allowed: local (agent processes on this host) "
                + "or container (agent containers through the engine's API socket)",
            "failover.probe.routers.us-east-2: 'tcp://10.0.2.5:9090' is not allowed; allowed: http(s) URLs such as "
                + "http://10.0.1.5:9090/healthz/region",
            "leaseHoldr: unknown key (did you mean 'leaseHolder'?)"));
  }
}
