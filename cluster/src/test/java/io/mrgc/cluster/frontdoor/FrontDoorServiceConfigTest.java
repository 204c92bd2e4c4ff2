package io.mrgc.cluster.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.common.config.ConfigException;
import io.mrgc.common.config.ConfigSource;
import io.mrgc.common.config.Mode;
import io.mrgc.common.service.ServiceRunner;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The front-door service file: what a good one gives, and the exact message of each bad one. */
class FrontDoorServiceConfigTest {
  private static final String DEPLOYMENT = """
      mode: local
      region: us-east-1
      state:
        endpoint: http://127.0.0.1:8000
      """;
  private static final String PLAINTEXT = "tls:\n  enabled: false\n";
  private static final String ROUTERS = "routers:\n  us-east-1: [http://127.0.0.1:9001, http://127.0.0.1:9011]\n";

  private static ServiceRunner.Loaded<FrontDoorServiceConfig> load(String yaml, Map<String, String> env) {
    return ServiceRunner.load(new FrontDoorServiceDefinition(), ConfigSource.ofYaml(yaml, "front-door.yaml", env));
  }

  private static List<String> problems(String yaml) {
    try {
      load(yaml, Map.of());
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("expected configuration problems in:\n" + yaml);
  }

  @Test
  void aGoodFileGivesSeveralRoutersPerRegionHomeRegionsAndLimits() {
    FrontDoorServiceConfig config = load(DEPLOYMENT + PLAINTEXT + ROUTERS + """
          us-east-2: [http://127.0.0.1:9002]
        defaultHomeRegion: us-east-2
        clientHomeRegions:
          127.0.0.5: us-west-2
        healthCheck:
          interval: 500ms
          thresholdCount: 3
        listener:
          maxConnections: 100
        admin:
          port: 0
        """, Map.of()).config();
    FrontDoorOptions frontDoor = config.frontDoor();
    assertThat(config.deployment().mode()).isEqualTo(Mode.LOCAL);
    assertThat(frontDoor.routers()).containsExactly(
        Map.entry("us-east-1", List.of(URI.create("http://127.0.0.1:9001"), URI.create("http://127.0.0.1:9011"))),
        Map.entry("us-east-2", List.of(URI.create("http://127.0.0.1:9002"))));
    assertThat(frontDoor.anycastAddresses()).isEqualTo(FrontDoorOptions.DEFAULT_ANYCAST_ADDRESSES);
    assertThat(frontDoor.defaultHomeRegion()).isEqualTo("us-east-2");
    assertThat(frontDoor.clientHomeRegions()).containsExactly(Map.entry("127.0.0.5", "us-west-2"));
    assertThat(frontDoor.healthCheck()).isEqualTo(new HealthCheckOptions(Duration.ofMillis(500), 3,
        HealthCheckOptions.DEFAULT_TIMEOUT, HealthCheckOptions.DEFAULT_PATH));
    assertThat(frontDoor.listener().maxConnections()).isEqualTo(100);
    assertThat(frontDoor.tls()).isEqualTo(FrontDoorTls.none());
    assertThat(config.admin()).isEqualTo(new AdminListener("127.0.0.1", 0));
  }

  @Test
  void routersMayComeFromOneEnvironmentVariable() {
    FrontDoorServiceConfig config = load(DEPLOYMENT + PLAINTEXT, Map.of("MRGC_ROUTERS",
        "us-east-1=http://127.0.0.1:9001,http://127.0.0.1:9011;us-west-2=http://127.0.0.1:9003")).config();
    assertThat(config.frontDoor().routers().get("us-east-1")).hasSize(2);
    assertThat(config.frontDoor().routers().get("us-west-2")).containsExactly(URI.create("http://127.0.0.1:9003"));
  }

  @Test
  void modeAwsIsRefusedBecauseGlobalAcceleratorIsTheFrontDoorThere() {
    assertThat(problems(DEPLOYMENT.replace("mode: local", "mode: aws") + PLAINTEXT + ROUTERS)).containsExactly(
        "mode: 'aws' is not allowed for front-door: in AWS, Global Accelerator is the front door and terraform "
            + "deploys it; allowed: local");
  }

  @Test
  void routerUrlsMustBeHttpWithAHostAndAPortInAKnownRegion() {
    assertThat(problems(DEPLOYMENT + PLAINTEXT + """
        routers:
          us-east-1: [ftp://127.0.0.1:9001, http://127.0.0.1, http://127.0.0.1:9001/v1]
          eu-west-1: [http://127.0.0.1:9009]
        """)).containsExactly(
        "routers.us-east-1: 'ftp://127.0.0.1:9001' is not allowed (the scheme must be http or https); allowed: "
            + "http(s) URLs with a host and a port, such as http://127.0.0.1:9001",
        "routers.us-east-1: 'http://127.0.0.1' is not allowed (a port is required); allowed: http(s) URLs with a "
            + "host and a port, such as http://127.0.0.1:9001",
        "routers.us-east-1: 'http://127.0.0.1:9001/v1' is not allowed (only scheme, host and port are allowed (no "
            + "path, query or user)); allowed: http(s) URLs with a host and a port, such as http://127.0.0.1:9001",
        "routers.eu-west-1: unknown region; allowed: us-east-1, us-east-2, us-west-2");
  }

  @Test
  void noRoutersAndAHomeRegionWithoutRoutersAreRefused() {
    assertThat(problems(DEPLOYMENT + PLAINTEXT)).containsExactly(
        "routers: missing; required: at least one region's router URLs, such as "
            + "routers.us-east-1: [http://127.0.0.1:9001]");
    assertThat(problems(DEPLOYMENT + PLAINTEXT + ROUTERS + "defaultHomeRegion: us-west-2\n")).containsExactly(
        "defaultHomeRegion: 'us-west-2' has no routers; allowed: a region under routers (us-east-1)");
  }

  @Test
  void tlsIsOnByDefaultAndNeedsItsFilesUnlessExplicitlyOff() {
    assertThat(problems(DEPLOYMENT + ROUTERS + "tls:\n  certificateFile: /etc/mrgc/anycast.pem\n")).containsExactly(
        "tls.keyFile: missing; required while tls.enabled is true: the PEM private key of tls.certificateFile "
            + "(or set tls.enabled: false to serve plaintext HTTP)");
    assertThat(problems(DEPLOYMENT + """
        routers:
          us-east-1: [https://127.0.0.1:9001]
        tls:
          enabled: false
          keyFile: /etc/mrgc/anycast-key.pem
        """)).containsExactly(
        "tls.enabled: false, but tls.keyFile set; remove them or enable TLS",
        "tls.enabled: false, but routers are https; use http router URLs or enable TLS");
  }

  @Test
  void httpsRoutersNeedTheCaAndSchemesMustNotMix() {
    String files = "tls:\n  certificateFile: /c.pem\n  keyFile: /k.pem\n";
    assertThat(problems(DEPLOYMENT + files + "routers:\n  us-east-1: [https://127.0.0.1:9001]\n")).containsExactly(
        "tls.caFile: missing; required for https routers: the PEM CA certificate(s) their certificates chain to");
    assertThat(problems(DEPLOYMENT + files + "  caFile: /ca.pem\n"
        + "routers:\n  us-east-1: [https://127.0.0.1:9001]\n  us-east-2: [http://127.0.0.1:9002]\n"))
        .containsExactly("routers: mixes http and https URLs; allowed: all http, or all https (with tls.caFile)");
  }

  @Test
  void tlsFilesMustBeReadableAtStart() {
    assertThat(problems(DEPLOYMENT + ROUTERS.replace("http:", "https:")
        + "tls:\n  certificateFile: /nope/anycast.pem\n  keyFile: /nope/anycast-key.pem\n  caFile: /nope/ca.pem\n"))
        .containsExactly(
            "tls.certificateFile: " + Path.of("/nope/anycast.pem") + " is not a readable file",
            "tls.keyFile: " + Path.of("/nope/anycast-key.pem") + " is not a readable file",
            "tls.caFile: " + Path.of("/nope/ca.pem") + " is not a readable file");
  }

  @Test
  void anycastAddressesAndClientAddressesMustBeIpAddresses() {
    assertThat(problems(DEPLOYMENT + PLAINTEXT + ROUTERS + """
        anycastAddresses: [127.0.1.1, frontdoor.local, 300.0.0.1]
        clientHomeRegions:
          laptop: us-east-2
          127.0.0.9: mars-1
        """)).containsExactly(
        "anycastAddresses: 'frontdoor.local' is not allowed; allowed: IP addresses, such as 127.0.1.1, 127.0.1.2",
        "anycastAddresses: '300.0.0.1' is not allowed; allowed: IP addresses, such as 127.0.1.1, 127.0.1.2",
        "clientHomeRegions.laptop: not an IP address; allowed: a client IP address such as 127.0.0.1",
        "clientHomeRegions.127.0.0.9: 'mars-1' is not allowed; allowed: one of us-east-1, us-east-2, us-west-2");
    assertThat(FrontDoorKeys.isIpAddress("::1")).isTrue();
    assertThat(FrontDoorKeys.isIpAddress("fd00::1:2")).isTrue();
  }

  @Test
  void unknownKeysAreReportedWithASuggestion() {
    assertThat(problems(DEPLOYMENT + PLAINTEXT + ROUTERS + """
        dialRefersh: 1s
        healthCheck:
          treshold: 3
        admin:
          host: 0.0.0.0
        """)).containsExactly(
        "admin.host: '0.0.0.0' is not allowed; allowed: one private address, not every interface",
        "dialRefersh: unknown key (did you mean 'dialRefresh'?)",
        "healthCheck.treshold: unknown key");
  }
}
