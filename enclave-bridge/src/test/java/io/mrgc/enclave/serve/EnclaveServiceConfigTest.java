package io.mrgc.enclave.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.common.config.ConfigException;
import io.mrgc.common.config.ConfigSource;
import io.mrgc.common.config.Mode;
import io.mrgc.common.service.ServiceRunner;
import io.mrgc.enclave.attestation.LocalAttestationKeyFile;
import io.mrgc.enclave.attestation.LocalAttestationProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The enclave service's configuration: what a good file gives, and the exact message of each bad one. */
class EnclaveServiceConfigTest {
  @TempDir
  Path dir;

  private List<String> problems(EnclaveServiceDefinition definition, String yaml) {
    try {
      ServiceRunner.load(definition, ConfigSource.ofYaml(yaml, "enclave.yaml", Map.of()));
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("the configuration was accepted:\n" + yaml);
  }

  private List<String> problems(String yaml) {
    return problems(new EnclaveServiceDefinition(dir.resolve("no-nsm")), yaml);
  }

  private String localFile() throws Exception {
    Path key = dir.resolve("attestation.pem");
    LocalAttestationKeyFile.save(key, LocalAttestationProvider.newSigningKey());
    return "mode: local\nlistener:\n  socket: " + dir.resolve("e.sock") + "\nlocal:\n  keyRingFile: "
        + dir.resolve("keyring.json") + "\n  attestationKeyFile: " + key + "\n";
  }

  @Test
  void aGoodLocalFileGivesItsValuesAndDefaults() throws Exception {
    EnclaveServeConfig config = ServiceRunner.load(new EnclaveServiceDefinition(dir.resolve("no-nsm")),
        ConfigSource.ofYaml(localFile(), "enclave.yaml", Map.of())).config();
    assertThat(config.mode()).isEqualTo(Mode.LOCAL);
    assertThat(config.socket()).isEqualTo(dir.resolve("e.sock"));
    assertThat(config.service().kmsTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.endpoint()).isEqualTo(dir.resolve("e.sock").toString());
  }

  @Test
  void localModeWithoutItsSocketKeyRingAndAttestationKey() {
    assertThat(problems("mode: local\n")).containsExactly(
        "listener.socket: missing; required in mode local: the Unix socket path",
        "local.keyRingFile: missing; required in mode local: the local key ring file",
        "local.attestationKeyFile: missing; required in mode local: the local attestation key file");
  }

  @Test
  void awsModeWithoutARegion() {
    assertThat(problems("mode: aws\n")).containsExactly(
        "region: missing; required in mode aws: the region of the KMS keys, e.g. us-east-1");
  }

  @Test
  void aBadVsockPortAndAKmsEndpointThatIsNoUrl() {
    assertThat(problems("mode: aws\nregion: us-east-1\nlistener:\n  vsockPort: 0\nkms:\n  endpoint: kms-nowhere\n"))
        .containsExactly(
            "listener.vsockPort: '0' (from enclave.yaml) is not allowed; allowed: an integer from 1 to 2147483647",
            "kms.endpoint: 'kms-nowhere' is not allowed; allowed: an http(s) URL such as https://127.0.0.1:8443");
  }

  @Test
  void aKmsTimeoutAsLongAsTheAgentsCallTimeout() {
    assertThat(problems("mode: aws\nregion: us-east-1\nkms:\n  timeout: 5s\n")).containsExactly(
        "kms.timeout: kmsTimeout must be shorter than the enclave client's callTimeout (PT5S), but was PT5S");
  }

  @Test
  void anUnknownKeyAndAnUnknownMode() {
    assertThat(problems("mode: cloud\nlistener:\n  vsockPrt: 5000\n")).containsExactly(
        "mode: 'cloud' (from enclave.yaml) is not allowed; allowed: one of local, aws",
        "listener.vsockPrt: unknown key (did you mean 'listener.vsockPort'?)");
  }

  @Test
  void awsModeOutsideAnEnclaveLacksTheNsmDevice() {
    Path nsm = dir.resolve("nsm");
    assertThat(problems(new EnclaveServiceDefinition(nsm), "mode: aws\nregion: us-east-1\n")).containsExactly(
        "mode aws but " + nsm + " is missing: the enclave service runs inside a Nitro Enclave (its Security Module "
            + "device); on the parent instance run the agent, which starts the enclave's EIF");
  }

  @Test
  void awsModeInsideAnEnclaveIsAccepted() throws Exception {
    Path nsm = Files.createFile(dir.resolve("nsm"));
    EnclaveServeConfig config = ServiceRunner.load(new EnclaveServiceDefinition(nsm),
        ConfigSource.ofYaml("mode: aws\nregion: us-east-1\n", "enclave.yaml", Map.of())).config();
    assertThat(config.endpoint()).isEqualTo("vsock:5000");
  }

  @Test
  void localModeWithoutTheAttestationKeyFileOnDisk() {
    Path missing = dir.resolve("none.pem");
    assertThat(problems("mode: local\nlistener:\n  socket: /tmp/x.sock\nlocal:\n  keyRingFile: /tmp/k.json\n"
        + "  attestationKeyFile: " + missing + "\n")).containsExactly(
        "local.attestationKeyFile: " + missing + " does not exist or cannot be read; mrgc up --processes writes it "
            + "under .mrgc/deploy/");
  }
}
