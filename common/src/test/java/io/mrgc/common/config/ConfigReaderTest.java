package io.mrgc.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigReaderTest {
  private static ConfigReader reader(String yaml, Map<String, String> env) {
    return ConfigReader.of(ConfigSource.ofYaml(yaml, "test.yaml", env));
  }

  @Test
  void readsFileValuesWithEnvironmentOverridesAndDefaults() {
    ConfigReader r = reader("""
        listener:
          port: 8443
          maxBodyBytes: 2MiB
        regions: [us-east-1, us-east-2]
        """, Map.of("MRGC_LISTENER_PORT", "9443"));
    ConfigReader listener = r.section("listener");
    assertThat(listener.integer("port", 0, 0, 65535, "port")).isEqualTo(9443);
    assertThat(listener.bytes("maxBodyBytes", 1, 1, 1L << 30, "body")).isEqualTo(2L * 1024 * 1024);
    assertThat(listener.duration("idle", Duration.ofSeconds(30), "idle")).isEqualTo(Duration.ofSeconds(30));
    assertThat(r.list("regions", null, "regions")).containsExactly("us-east-1", "us-east-2");
    r.finish();
    assertThat(r.describeEffective())
        .contains("listener.port = 9443  (env MRGC_LISTENER_PORT)")
        .contains("listener.idle = 30s  (default)");
  }

  @Test
  void reportsEveryProblemAtOnceNamingKeyValueAndWhatIsAllowed() {
    ConfigReader r = reader("""
        port: 70000
        timeout: soon
        mode: cloud
        prot: 1
        """, Map.of("MRGC_ENABLED", "yes"));
    r.integer("port", 0, 0, 65535, "port");
    r.duration("timeout", Duration.ofSeconds(1), "timeout");
    r.choice("mode", null, Mode.class, "mode");
    r.flag("enabled", false, "enabled");
    r.required("region", "an AWS region", "region");
    assertThatThrownBy(r::finish).isInstanceOfSatisfying(ConfigException.class, e ->
        assertThat(e.problems()).containsExactly(
            "port: '70000' (from test.yaml) is not allowed; allowed: an integer from 0 to 65535",
            "timeout: 'soon' (from test.yaml) is not allowed; allowed: a positive duration such as 500ms, 2s, 5m, "
                + "1h or PT2S",
            "mode: 'cloud' (from test.yaml) is not allowed; allowed: one of local, aws",
            "enabled: 'yes' (from env MRGC_ENABLED) is not allowed; allowed: true or false",
            "region: missing; required: an AWS region (set it in the file or in MRGC_REGION)",
            "prot: unknown key (did you mean 'port'?)"));
  }

  @Test
  void secretsAreMaskedEvenWhenInvalidOrEffective() {
    ConfigReader r = reader("peerAuth:\n  key: c2VjcmV0LXZhbHVl\n", Map.of());
    assertThat(r.section("peerAuth").secret("key", "key")).isEqualTo("c2VjcmV0LXZhbHVl");
    assertThat(r.describeEffective()).contains("peerAuth.key = ******").doesNotContain("c2VjcmV0");
  }

  @Test
  void mapsComeFromTheFileOrOneEnvironmentVariable() {
    ConfigReader file = reader("routers:\n  us-east-1: [http://a:1, http://b:2]\n", Map.of());
    assertThat(file.map("routers", "URLs", "routers")).containsEntry("us-east-1", "http://a:1,http://b:2");
    file.finish();
    ConfigReader env = reader("", Map.of("MRGC_ROUTERS", "us-east-1=http://a:1;us-west-2=http://c:3"));
    assertThat(env.map("routers", "URLs", "routers"))
        .containsEntry("us-east-1", "http://a:1").containsEntry("us-west-2", "http://c:3");
  }

  @Test
  void optionsValidationBecomesAProblemOfItsKey() {
    ConfigReader r = reader("", Map.of());
    Object built = r.build("listener", () -> {
      throw new IllegalArgumentException("maxBatchSize must be between 1 and 256, but was 0");
    });
    assertThat(built).isNull();
    assertThatThrownBy(r::finish).hasMessage("listener: maxBatchSize must be between 1 and 256, but was 0");
  }

  @Test
  void environmentNamesFollowTheKey() {
    assertThat(ConfigSource.envName("listener.maxBodyBytes")).isEqualTo("MRGC_LISTENER_MAX_BODY_BYTES");
    assertThat(ConfigSource.envName("process.shutdownGrace")).isEqualTo("MRGC_PROCESS_SHUTDOWN_GRACE");
  }

  @Test
  void aFileThatIsNotAMappingIsOneProblem() {
    assertThatThrownBy(() -> ConfigSource.ofYaml("- a\n- b\n", "x.yaml", Map.of()))
        .hasMessage("x.yaml: must be a mapping of keys to values, but is a array");
  }
}
