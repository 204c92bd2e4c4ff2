package io.mrgc.autoscaler.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.autoscaler.fleet.Ec2Fleet;
import io.mrgc.autoscaler.fleet.container.ContainerFleet;
import io.mrgc.common.config.ConfigException;
import io.mrgc.common.config.ConfigSource;
import io.mrgc.common.service.ServiceRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
        "fleet.type: 'ec2' is not allowed in mode local; allowed: local (agent processes on this host) or container "
            + "(agent containers through the engine's API socket)");
    assertProblems("mode: aws\nregion: us-east-1\nfleet:\n  type: local\n",
        "fleet.type: 'local' is not allowed in mode aws; allowed: ec2 (GPU instances from a launch template)");
  }

  @Test
  void aFleetTypeIsRequiredAndEachTypeItsSettings() {
    assertProblems(LOCAL,
        "fleet.type: missing; required: one of ec2, local, container (set it in the file or in MRGC_FLEET_TYPE)");
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

  static final String CONTAINER = LOCAL + "fleet:\n  type: container\n  container:\n";
  static final String FILES = "    agentConfigFile: /srv/mrgc/agent.yaml\n    enclaveConfigFile: /srv/mrgc/enclave.yaml\n";

  @Test
  void aContainerFleetTakesItsFilesAndDefaults() {
    ContainerFleet.Settings c = readOnly(CONTAINER + FILES).autoscaler().fleet().container();
    assertThat(c).isEqualTo(new ContainerFleet.Settings(Path.of("/run/podman.sock"), "local", "",
        "localhost/mrgc:dev", List.of("serve", "agent", "--config", "/etc/mrgc/agent.yaml"),
        "localhost/mrgc-enclave:dev", List.of("--config", "/etc/mrgc/enclave.yaml"), Path.of("/srv/mrgc/agent.yaml"),
        Path.of("/srv/mrgc/enclave.yaml"), List.of(), List.of(), List.of(), 0, Duration.ofSeconds(30), "10001:10001"));
    assertThat(new ContainerFleet("us-east-1", c).network()).isEqualTo("mrgc-us-east-1");
  }

  @Test
  void everyContainerKeyIsRead() {
    ContainerFleet.Settings c = readOnly(CONTAINER + FILES + "    socket: /var/run/engine.sock\n    deployment: d1\n"
        + "    network: mrgc-east\n    agentImage: registry/mrgc:1\n    enclaveImage: registry/enclave:1\n"
        + "    agentMounts:\n      - /srv/models:/models\n    enclaveMounts: [/srv/secrets:/etc/mrgc/secrets]\n"
        + "    passEnv: [MRGC_PEER_AUTH_KEYS, MRGC_AGENT_AUTH_KEYS]\n    memory: 2GiB\n    terminateGrace: 45s\n"
        + "    volumeOwner: 1000:1000\n").autoscaler().fleet().container();
    assertThat(c.socket()).isEqualTo(Path.of("/var/run/engine.sock"));
    assertThat(c.deployment()).isEqualTo("d1");
    assertThat(c.network()).isEqualTo("mrgc-east");
    assertThat(c.agentImage()).isEqualTo("registry/mrgc:1");
    assertThat(c.enclaveImage()).isEqualTo("registry/enclave:1");
    assertThat(c.agentMounts()).containsExactly(new ContainerFleet.Mount(Path.of("/srv/models"), "/models"));
    assertThat(c.enclaveMounts()).containsExactly(new ContainerFleet.Mount(Path.of("/srv/secrets"),
        "/etc/mrgc/secrets"));
    assertThat(c.passEnv()).containsExactly("MRGC_PEER_AUTH_KEYS", "MRGC_AGENT_AUTH_KEYS");
    assertThat(c.memory()).isEqualTo(2L << 30);
    assertThat(c.terminateGrace()).isEqualTo(Duration.ofSeconds(45));
    assertThat(c.volumeOwner()).isEqualTo("1000:1000");
  }

  /** The file read without the start's preflight (which asks the engine). */
  static AutoscalerConfig readOnly(String yaml) {
    return new AutoscalerServiceDefinition().read(io.mrgc.common.config.ConfigReader.of(
        ConfigSource.ofYaml(yaml, "autoscaler.yaml", Map.of())));
  }

  @Test
  void theStartFailsWhenTheEngineDoesNotAnswer() {
    Path socket = dir.resolve("engine.sock");
    assertThatThrownBy(() -> load(CONTAINER + FILES + "    socket: " + socket + "\n"))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().asString()
            .startsWith("fleet.container: socket '" + socket + "' does not answer the Docker Engine API (GET /_ping: ")
            .endsWith("); mount podman's API socket there (local only: it is root-equivalent) or set "
                + "fleet.container.socket"));
  }

  @Test
  void aContainerFleetIsLocalOnly() {
    assertProblems("mode: aws\nregion: us-east-1\nfleet:\n  type: container\n  container:\n" + FILES,
        "fleet.type: 'container' is not allowed in mode aws; allowed: ec2 (GPU instances from a launch template)");
  }

  @Test
  void aContainerFleetNeedsBothFiles() {
    assertProblems(CONTAINER + "    deployment: d1\n",
        "fleet.container.agentConfigFile: missing; required with fleet.type container: the agent's YAML on the "
            + "engine's host",
        "fleet.container.enclaveConfigFile: missing; required with fleet.type container: the enclave's YAML on the "
            + "engine's host");
  }

  @Test
  void theFilesAreAbsolutePathsOnTheEnginesHost() {
    assertProblems(CONTAINER + "    agentConfigFile: agent.yaml\n    enclaveConfigFile: /srv/mrgc/enclave.yaml\n",
        "fleet.container.agentConfigFile: 'agent.yaml' is not allowed; allowed: an absolute path on the engine's "
            + "host");
  }

  @Test
  void mountsAreAbsoluteHostAndContainerPaths() {
    assertProblems(CONTAINER + FILES + "    agentMounts: [models:/models, /srv/models:/models]\n"
        + "    enclaveMounts: [/srv/secrets]\n",
        "fleet.container.agentMounts: 'models:/models' is not allowed; allowed: hostPath:containerPath, both "
            + "absolute (mounted read-only)",
        "fleet.container.enclaveMounts: '/srv/secrets' is not allowed; allowed: hostPath:containerPath, both "
            + "absolute (mounted read-only)");
  }

  @Test
  void passEnvNamesVariablesAndTheOtherValuesHaveTheirForms() {
    assertProblems(CONTAINER + FILES + "    passEnv: [MRGC_PEER_AUTH_KEYS, peer-keys]\n    volumeOwner: mrgc\n"
            + "    memory: lots\n",
        "fleet.container.memory: 'lots' (from autoscaler.yaml) is not allowed; allowed: a size from 0 to "
            + "1099511627776 bytes (a number, or with KiB, MiB, GiB)",
        "fleet.container.passEnv: 'peer-keys' is not allowed; allowed: environment variable names such as "
            + "MRGC_PEER_AUTH_KEYS",
        "fleet.container.volumeOwner: 'mrgc' is not allowed; allowed: uid:gid such as 10001:10001");
  }
}
