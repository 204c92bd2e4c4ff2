package io.mrgc.enclave;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.Mode;
import io.mrgc.enclave.serve.EnclaveServeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The EIF's command line keeps working: its arguments become the mode aws configuration of mrgc serve enclave. */
class EnclaveMainTest {
  @Test
  void positionalArgumentsBuildTheAwsConfiguration() {
    ConfigReader reader = ConfigReader.of(EnclaveMain.source(new String[] {"us-west-2", "6000",
        "https://127.0.0.1:8443"}));
    EnclaveServeConfig config = EnclaveServeConfig.read(reader);
    reader.finish();
    assertThat(config.mode()).isEqualTo(Mode.AWS);
    assertThat(config.region()).isEqualTo("us-west-2");
    assertThat(config.vsockPort()).isEqualTo(6000);
    assertThat(config.kmsEndpoint()).hasValueSatisfying(uri -> assertThat(uri.getPort()).isEqualTo(8443));
  }

  @Test
  void theRegionAloneTakesTheDefaultPort() {
    ConfigReader reader = ConfigReader.of(EnclaveMain.source(new String[] {"us-east-1"}));
    EnclaveServeConfig config = EnclaveServeConfig.read(reader);
    reader.finish();
    assertThat(config.vsockPort()).isEqualTo(5000);
    assertThat(config.kmsEndpoint()).isEmpty();
  }

  @Test
  void aServiceFileWithItsProcessSettingsIsReadTooButNotATypo(@TempDir Path dir) throws Exception {
    Path nsm = Files.createFile(dir.resolve("nsm"));
    EnclaveServeConfig config = EnclaveMain.read(io.mrgc.common.config.ConfigSource.ofYaml(
        "mode: aws\nregion: us-east-1\nprocess:\n  shutdownGrace: 5s\n", "enclave.yaml", java.util.Map.of()), nsm);
    assertThat(config.region()).isEqualTo("us-east-1");
    assertThatThrownBy(() -> EnclaveMain.read(io.mrgc.common.config.ConfigSource.ofYaml(
        "mode: aws\nregion: us-east-1\nregoin: us-east-2\n", "enclave.yaml", java.util.Map.of()), nsm))
        .hasMessage("regoin: unknown key (did you mean 'region'?)");
  }

  @Test
  void noArgumentsOrTooManyAreAUsageError() {
    assertThatThrownBy(() -> EnclaveMain.source(new String[0])).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EnclaveMain.source(new String[] {"a", "1", "u", "x"}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
