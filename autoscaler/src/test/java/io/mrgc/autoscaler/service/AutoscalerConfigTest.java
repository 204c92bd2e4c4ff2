package io.mrgc.autoscaler.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.autoscaler.fleet.Ec2Fleet;
import io.mrgc.common.config.ConfigException;
import io.mrgc.common.config.ConfigSource;
import io.mrgc.common.service.ServiceRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The autoscaler's keys: defaults, and every problem of a bad file at once, verbatim. */
class AutoscalerConfigTest {
  static final String LOCAL = "mode: local\nregion: us-east-1\nstate:\n  endpoint: http://127.0.0.1:8000\n";
  @TempDir
  Path dir;

  static AutoscalerConfig load(String yaml) {
    return ServiceRunner.load(new AutoscalerServiceDefinition(),
        ConfigSource.ofYaml(yaml, "autoscaler.yaml", Map.of())).config();
  }

  static void assertProblems(String yaml, String... problems) {
    assertThatThrownBy(() -> load(yaml)).isInstanceOfSatisfying(ConfigException.class,
        e -> assertThat(e.problems()).containsExactly(problems));
  }

  @Test
  void aLocalFileGetsTheDefaultsOfTheLoopAndPolicy() throws Exception {
    Path template = Files.writeString(dir.resolve("agent.yaml"), "instanceId: ${instanceId}\n");
    AutoscalerConfig config = load(LOCAL + "fleet:\n  type: local\n  local:\n    agentConfigTemplate: " + template
        + "\n");
    assertThat(config.autoscaler().scaling().minInstances()).isEqualTo(2);
    assertThat(config.autoscaler().scaling().maxInstances()).isEqualTo(20);
    assertThat(config.autoscaler().loop().tickPeriod()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.autoscaler().fleet().local().command()).first().isEqualTo("${java}");
    assertThat(config.control().leaseHolder()).endsWith("-" + ProcessHandle.current().pid());
    assertThat(config.control().adminHost()).isEqualTo("127.0.0.1");
    assertThat(config.control().adminPort()).isEqualTo(9470);
  }

  @Test
  void anEc2FleetTakesItsLaunchTemplate() {
    AutoscalerServiceDefinition definition = new AutoscalerServiceDefinition();
    AutoscalerConfig config = definition.read(io.mrgc.common.config.ConfigReader.of(ConfigSource.ofYaml(
        "mode: aws\nregion: us-east-2\nfleet:\n  type: ec2\n  ec2:\n    launchTemplateName: mrgc-gpu\n",
        "autoscaler.yaml", Map.of("MRGC_FLEET_EC2_LAUNCH_TEMPLATE_VERSION", "7"))));
    assertThat(config.autoscaler().fleet().ec2()).isEqualTo(Ec2Fleet.LaunchTemplate.byName("mrgc-gpu", "7"));
  }

  @Test
  void maxBelowMinIsAProblemOfMaxInstances() throws Exception {
    Path template = Files.writeString(dir.resolve("agent.yaml"), "x: 1\n");
    assertProblems(LOCAL + "scaling:\n  minInstances: 5\n  maxInstances: 3\nfleet:\n  type: local\n  local:\n"
            + "    agentConfigTemplate: " + template + "\n",
        "scaling.maxInstances: minInstances must not exceed maxInstances, but was 5 > 3");
  }

  @Test
  void theFleetMustFitTheMode() {
    assertProblems(LOCAL + "fleet:\n  type: ec2\n  ec2:\n    launchTemplateId: lt-0123456789abcdef0\n",
        "fleet.type: 'ec2' is not allowed in mode local; allowed: local (agent processes on this host)");
    assertProblems("mode: aws\nregion: us-east-1\nfleet:\n  type: local\n",
        "fleet.type: 'local' is not allowed in mode aws; allowed: ec2 (GPU instances from a launch template)");
  }

  @Test
  void aFleetTypeIsRequiredAndEachTypeItsSettings() {
    assertProblems(LOCAL,
        "fleet.type: missing; required: one of ec2, local (set it in the file or in MRGC_FLEET_TYPE)");
    assertProblems(LOCAL + "fleet:\n  type: local\n",
        "fleet.local.agentConfigTemplate: missing; required with fleet.type local: the agent's YAML template");
    assertProblems("mode: aws\nregion: us-east-1\nfleet:\n  type: ec2\n  ec2:\n"
            + "    launchTemplateId: lt-0123456789abcdef0\n    launchTemplateName: mrgc-gpu\n",
        "fleet.ec2.launchTemplateId: 'lt-0123456789abcdef0' and launchTemplateName 'mrgc-gpu' are both set; with "
            + "fleet.type ec2 set exactly one of launchTemplateId and launchTemplateName");
    assertProblems("mode: aws\nregion: us-east-1\nfleet:\n  type: ec2\n  ec2:\n    launchTemplateId: template-1\n",
        "fleet.ec2.launchTemplateId: 'template-1' is not allowed; allowed: a launch template id such as "
            + "lt-0123456789abcdef0");
  }

  @Test
  void theLeaseMustOutliveAnEvaluationAndTyposAreNamed() {
    assertProblems(LOCAL + "loop:\n  period: 10s\n  leaseTtl: 10s\nscaling:\n  minInstance: 3\nfleet:\n"
            + "  type: local\n  local:\n    agentConfigTemplate: /nonexistent/agent.yaml\n",
        "loop.leaseTtl: '10s' is not allowed; allowed: a duration longer than period (10s)",
        "fleet.local.agentConfigTemplate: '/nonexistent/agent.yaml' is not allowed; allowed: a readable file",
        "scaling.minInstance: unknown key (did you mean 'scaling.minInstances'?)");
  }
}
