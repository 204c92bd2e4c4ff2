package io.mrgc.agent.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.agent.NodeAgentOptions;
import io.mrgc.common.config.ConfigException;
import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.ConfigSource;
import io.mrgc.common.peer.PeerKey;
import io.mrgc.common.service.ServiceRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mrgc serve agent's configuration: a good file's values, and the exact message of each bad one. */
class AgentServiceConfigTest {
  private static final String KEY = "k1:" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
  @TempDir
  static Path dir;
  private static Path modelRoot;

  @BeforeAll
  static void models() throws Exception {
    modelRoot = Files.createDirectories(dir.resolve("models"));
  }

  private static final String LOCAL = """
      mode: local
      region: us-east-1
      state:
        endpoint: http://127.0.0.1:8000
      instanceId: i-local-1
      """;

  private static String withModelsAndEnclave(String yaml) {
    return yaml + "modelRoot: " + modelRoot + "\n";
  }

  private static AgentServiceConfig load(AgentServiceDefinition definition, String yaml) {
    return ServiceRunner.load(definition, ConfigSource.ofYaml(yaml, "agent.yaml", Map.of())).config();
  }

  private static List<String> problems(AgentServiceDefinition definition, String yaml) {
    try {
      load(definition, yaml);
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("accepted:\n" + yaml);
  }

  private static List<String> problems(String yaml) {
    return problems(new AgentServiceDefinition(dir.resolve("no-nitro")), yaml);
  }

  private static final String UNIX_ENCLAVE = "enclave:\n  transport: unix\n  socket: /tmp/e.sock\n";
  private static final String PEER_KEYS = "peerAuth:\n  keys: " + KEY + "\n";

  @Test
  void aGoodLocalFileBuildsTheAgentsOptions() {
    AgentServiceConfig config = load(new AgentServiceDefinition(dir.resolve("no-nitro")),
        withModelsAndEnclave(LOCAL) + PEER_KEYS + UNIX_ENCLAVE + """
            listener:
              host: 10.0.3.7
              port: 8081
              maxBodyBytes: 4MiB
            executionProvider: cuda
            maxBatchSize: 8
            models:
              pollInterval: 500ms
              memoryBudget: 3GiB
            """);
    NodeAgentOptions agent = config.agent();
    assertThat(agent.modelPollInterval()).isEqualTo(java.time.Duration.ofMillis(500));
    assertThat(agent.modelMemoryBudgetBytes()).isEqualTo(3L << 30);
    assertThat(agent.instanceId()).isEqualTo("i-local-1");
    assertThat(agent.region()).isEqualTo("us-east-1");
    assertThat(agent.endpointFor(agent.port())).isEqualTo("http://10.0.3.7:8081");
    assertThat(agent.maxBodyBytes()).isEqualTo(4 * 1024 * 1024);
    assertThat(agent.executionProvider()).isEqualTo("cuda");
    assertThat(agent.maxBatchSize()).isEqualTo(8);
    assertThat(agent.peerAuth().current().id()).isEqualTo("k1");
    assertThat(config.enclave().transport()).isEqualTo(AgentEnclaveConfig.Transport.UNIX);
    // An enclave process of its own cannot be restarted by the agent: no restarts on a schedule.
    assertThat(agent.enclaveRestartEveryRequests()).isZero();
    assertThat(agent.enclaveRestartEvery()).isNull();
  }

  @Test
  void modelsFollowTheRegistryEveryTwoSecondsWithinEightGibByDefaultAndATooSmallBudgetIsRefused() {
    NodeAgentOptions agent = load(new AgentServiceDefinition(dir.resolve("no-nitro")),
        withModelsAndEnclave(LOCAL) + PEER_KEYS + UNIX_ENCLAVE).agent();
    assertThat(agent.modelPollInterval()).isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(agent.modelMemoryBudgetBytes()).isEqualTo(8L << 30);
    assertThat(problems(withModelsAndEnclave(LOCAL) + PEER_KEYS + UNIX_ENCLAVE + "models:\n  memoryBudget: 1KiB\n"))
        .singleElement().asString().startsWith("models.memoryBudget: ");
  }

  @Test
  void anExplicitlyOptionalPeerAuthInLocalModeIsOff() {
    AgentServiceConfig config = load(new AgentServiceDefinition(dir.resolve("no-nitro")),
        withModelsAndEnclave(LOCAL) + UNIX_ENCLAVE + "peerAuth:\n  required: false\n");
    assertThat(config.agent().peerAuth().enabled()).isFalse();
  }

  @Test
  void aModelRootThatDoesNotExist() {
    Path missing = dir.resolve("no-models");
    assertThat(problems(LOCAL + PEER_KEYS + UNIX_ENCLAVE + "modelRoot: " + missing + "\n")).containsExactly(
        "modelRoot: " + missing + " does not exist or is not a directory; it must be the model repository (mode "
            + "aws: the FSx for Lustre mount)");
  }

  @Test
  void noModelRootNoInstanceIdAndNoPeerAuthKeys() {
    assertThat(problems("mode: local\nregion: us-east-1\nstate:\n  endpoint: http://127.0.0.1:8000\n" + UNIX_ENCLAVE))
        .containsExactly(
            "instanceId: missing; required: an instance id (mode aws: the EC2 instance id) (set it in the file or in "
                + "MRGC_INSTANCE_ID)",
            "modelRoot: missing; required: a file system path (set it in the file or in MRGC_MODEL_ROOT)",
            "peerAuth.keys: missing; required unless peerAuth.required is false: id:base64secret (set it in the file "
                + "or in MRGC_PEER_AUTH_KEYS)");
  }

  @Test
  void peerAuthInModeAwsCannotBeMissingNorOptional() {
    String aws = "mode: aws\nregion: us-east-1\ninstanceId: i-0abc\nmodelRoot: " + modelRoot
        + "\nenclave:\n  transport: vsock\n  eifPath: /opt/mrgc/enclave.eif\n  canaryKeyId: alias/mrgc-canary\n";
    assertThat(problems(aws)).containsExactly("peerAuth.keys: missing; required in mode aws: id:base64secret (set "
        + "it in the file or in MRGC_PEER_AUTH_KEYS)");
    assertThat(problems(aws + "peerAuth:\n  required: false\n")).containsExactly(
        "peerAuth.required: 'false' is not allowed in mode aws; peer authentication is always required there");
  }

  @Test
  void aPeerAuthKeyTooShortIsRefusedWithoutShowingIt() {
    String shortKey = "k1:" + java.util.Base64.getEncoder().encodeToString(new byte[8]);
    List<String> problems = problems(withModelsAndEnclave(LOCAL) + UNIX_ENCLAVE + "peerAuth:\n  keys: " + shortKey
        + "\n");
    assertThat(problems).containsExactly("peerAuth.keys: peer auth key k1 must be at least "
        + PeerKey.MIN_SECRET_BYTES + " bytes, but was 8");
  }

  @Test
  void vsockInLocalModeAndEmbeddedInAwsMode() {
    assertThat(problems(withModelsAndEnclave(LOCAL) + PEER_KEYS + "enclave:\n  transport: vsock\n"))
        .containsExactly("enclave.transport: 'vsock' is not allowed in mode local; allowed: unix, embedded");
    assertThat(problems("mode: aws\nregion: us-east-1\ninstanceId: i-0abc\nmodelRoot: " + modelRoot + "\n"
        + PEER_KEYS + "enclave:\n  transport: embedded\n"))
        .containsExactly("enclave.transport: 'embedded' is not allowed in mode aws; allowed: vsock");
  }

  @Test
  void anEmbeddedEnclaveWithoutItsSocketCanaryAndFiles() {
    assertThat(problems(withModelsAndEnclave(LOCAL) + PEER_KEYS + "enclave:\n  transport: embedded\n"))
        .containsExactly(
            "enclave.socket: missing; required with transport embedded: the enclave's Unix socket path",
            "enclave.canaryKeyId: missing; required with transport embedded: the key id of the system tenant "
                + "mrgc-canary",
            "enclave.localKeyRingFile: missing; required with transport embedded: the local key ring file",
            "enclave.localAttestationKeyFile: missing; required with transport embedded: the local attestation key "
                + "file");
  }

  @Test
  void aBadPortAndAnUnknownKey() {
    assertThat(problems(withModelsAndEnclave(LOCAL) + PEER_KEYS + UNIX_ENCLAVE
        + "listener:\n  port: 70000\nmaxBatchSiz: 8\n")).containsExactly(
        "listener.port: '70000' (from agent.yaml) is not allowed; allowed: an integer from 0 to 65535",
        "maxBatchSiz: unknown key (did you mean 'maxBatchSize'?)");
  }

  @Test
  void modeAwsOnAHostWithoutTheNitroEnclavesDevice() throws Exception {
    System.setProperty("aws.disableEc2Metadata", "true"); // no metadata service to wait for on a test machine
    Path eif = Files.createFile(dir.resolve("enclave.eif"));
    String aws = "mode: aws\nregion: us-east-1\ninstanceId: i-0abc\nmodelRoot: " + modelRoot + "\n" + PEER_KEYS
        + "enclave:\n  transport: vsock\n  eifPath: " + eif + "\n  canaryKeyId: alias/mrgc-canary\n";
    Path device = dir.resolve("nitro_enclaves");
    ConfigReader reader = ConfigReader.of(ConfigSource.ofYaml(aws, "agent.yaml", Map.of()));
    AgentServiceConfig config = AgentServiceConfig.read(reader);
    reader.finish();
    String lacking = "mode aws but " + device + " is missing: this instance cannot run Nitro Enclaves (an instance "
        + "type with enclave support, enclaves enabled in the launch template, the nitro-enclaves-allocator service "
        + "running)";
    assertThat(new AgentServiceDefinition(device).preflight(config)).contains(lacking);
    Files.createFile(device);
    assertThat(new AgentServiceDefinition(device).preflight(config)).doesNotContain(lacking)
        .noneMatch(problem -> problem.startsWith("enclave.") || problem.startsWith("modelRoot"));
    assertThat(config.enclave().nitro().eifPath()).isEqualTo(eif);
    assertThat(config.enclave().nitro().cid()).isEqualTo(AgentEnclaveConfig.DEFAULT_CID);
  }
}
