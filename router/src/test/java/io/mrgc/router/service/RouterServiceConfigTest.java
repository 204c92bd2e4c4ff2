package io.mrgc.router.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.mrgc.common.config.ConfigException;
import io.mrgc.common.config.ConfigSource;
import io.mrgc.common.service.ServiceRunner;
import io.mrgc.common.tls.LocalCertificateAuthority;
import io.mrgc.common.tls.ServerTls;
import io.mrgc.router.RouterOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The router service's configuration: what a good file becomes, and bad ones refused with exact messages. */
class RouterServiceConfigTest {
  private static final String LOCAL = """
      mode: local
      region: us-east-1
      state:
        endpoint: http://127.0.0.1:8000
      """;
  /** A key as operators write it: id, then 32 bytes in base64. */
  private static final String SECRET = Base64.getEncoder().encodeToString(
      "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
  private static final String KEY = "k1:" + SECRET;

  @TempDir
  Path dir;

  private static ServiceRunner.Loaded<RouterServiceConfig> load(String yaml, Map<String, String> env) {
    return ServiceRunner.load(new RouterServiceDefinition(Map::of), ConfigSource.ofYaml(yaml, "router.yaml", env));
  }

  private static List<String> problems(String yaml) {
    try {
      load(yaml, Map.of());
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("the configuration was accepted");
  }

  @Test
  void aGoodFileBecomesTheRouterOptions() {
    RouterServiceConfig config = load(LOCAL + """
        routerId: r-7
        tls:
          enabled: false
        listener:
          host: 0.0.0.0
          port: 8443
          idleTimeout: 2m
        admin:
          port: 9100
        proxyProtocol:
          port: 8444
          trustedCidrs: [10.0.0.0/24, 10.0.1.0/24]
        agentAuth:
          keys: %s
        body:
          maxBytes: 1MiB
        dispatchQueue:
          tenantTurnBatches: 2
        modelRegistry:
          interval: 500ms
        lifecycle:
          drainDelay: 30s
        """.formatted(KEY), Map.of("MRGC_RATE_LIMIT_DEFAULT_RPS", "20")).config();

    RouterOptions router = config.router();
    assertThat(router.routerId()).isEqualTo("r-7");
    assertThat(router.metricsSeries()).isEqualTo("router#us-east-1#r-7");
    assertThat(router.host()).isEqualTo("0.0.0.0");
    assertThat(router.port()).isEqualTo(8443);
    assertThat(router.ingress().listener().idleTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(router.edge().adminPort()).isEqualTo(9100);
    assertThat(router.proxyProtocolPort()).isEqualTo(8444);
    assertThat(router.edge().proxyProtocolTrustedCidrs()).hasToString("[10.0.0.0/24, 10.0.1.0/24]");
    assertThat(router.agentAuth().enabled()).isTrue();
    assertThat(router.agentAuth().current().id()).isEqualTo("k1");
    assertThat(router.maxBodyBytes()).isEqualTo(1L << 20);
    assertThat(router.tenantTurnBatches()).isEqualTo(2);
    assertThat(router.modelRegistryInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(router.defaultRateLimitRps()).isEqualTo(20);
    assertThat(router.tls().enabled()).isFalse();
    assertThat(config.drainDelay()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void portsOutOfRangeAreRefusedNamingKeyValueAndRange() {
    assertThat(problems(LOCAL + "tls:\n  enabled: false\nlistener:\n  port: 70000\nadmin:\n  port: -2\n"))
        .containsExactly(
            "listener.port: '70000' (from router.yaml) is not allowed; allowed: an integer from 0 to 65535",
            "admin.port: '-2' (from router.yaml) is not allowed; allowed: an integer from 0 to 65535");
  }

  @Test
  void plaintextMustBeChosenExplicitly() {
    assertThat(problems(LOCAL)).containsExactly(
        "tls.enabled: missing; required: one of true, false (set it in the file or in MRGC_TLS_ENABLED)");
  }

  @Test
  void tlsEnabledNeedsBothFiles() {
    assertThat(problems(LOCAL + "tls:\n  enabled: true\n  certificateFile: /etc/mrgc/router.pem\n"))
        .containsExactly("tls.keyFile: missing; required when tls.enabled is true: a PEM private key file (or the "
            + "PEM text in tls.keyPem)");
    assertThat(problems(LOCAL + "tls:\n  enabled: false\n  keyFile: /etc/mrgc/router-key.pem\n"))
        .containsExactly("tls.enabled: 'false', but tls.certificateFile, tls.keyFile, tls.certificatePem or "
            + "tls.keyPem is set; allowed: true to serve TLS with them, or false without them");
  }

  /** A chain and key issued by a throwaway CA, read back as the PEM text an ECS secret holds. */
  private String[] pemPair(String name) throws Exception {
    ServerTls issued = LocalCertificateAuthority.openOrCreate(dir.resolve("ca")).issueServer(name,
        List.of("localhost"));
    return new String[] {Files.readString(issued.certificateChain()), Files.readString(issued.privateKey())};
  }

  private static ServiceRunner.Loaded<RouterServiceConfig> loadTls(Map<String, String> env) {
    return load(LOCAL + "tls:\n  enabled: true\n", env);
  }

  private static List<String> tlsProblems(String yaml, Map<String, String> env) {
    try {
      load(LOCAL + yaml, env);
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("the configuration was accepted");
  }

  @Test
  void pemTextFromTheEnvironmentServesTls() throws Exception {
    String[] pair = pemPair("router");
    RouterOptions router = loadTls(Map.of("MRGC_TLS_CERTIFICATE_PEM", pair[0], "MRGC_TLS_KEY_PEM", pair[1]))
        .config().router();
    assertThat(router.tls().enabled()).isTrue();
    assertThat(router.tls().certificateChain()).isNull();
    assertThat(router.tls().text().privateKeySource()).isEqualTo("tls.keyPem");
    assertThat(router.tls().toString()).doesNotContain(pair[1].lines().skip(1).findFirst().orElseThrow());
  }

  @Test
  void pemTextAndFileForTheSameItemAreRefused() throws Exception {
    String[] pair = pemPair("router");
    assertThat(tlsProblems("tls:\n  enabled: true\n  certificateFile: /etc/mrgc/router.pem\n"
        + "  keyFile: /etc/mrgc/router-key.pem\n",
        Map.of("MRGC_TLS_CERTIFICATE_PEM", pair[0], "MRGC_TLS_KEY_PEM", pair[1]))).containsExactly(
            "tls.certificatePem: set, and so is tls.certificateFile; allowed: one of them (the file, or the PEM "
                + "text itself)",
            "tls.keyPem: set, and so is tls.keyFile; allowed: one of them (the file, or the PEM text itself)");
  }

  @Test
  void pemTextWithTlsOffIsRefused() throws Exception {
    String[] pair = pemPair("router");
    assertThat(tlsProblems("tls:\n  enabled: false\n", Map.of("MRGC_TLS_KEY_PEM", pair[1]))).containsExactly(
        "tls.enabled: 'false', but tls.certificateFile, tls.keyFile, tls.certificatePem or tls.keyPem is set; "
            + "allowed: true to serve TLS with them, or false without them");
  }

  @Test
  void halfAPemPairOrMixedFormsAreRefused() throws Exception {
    String[] pair = pemPair("router");
    assertThat(tlsProblems("tls:\n  enabled: true\n", Map.of("MRGC_TLS_CERTIFICATE_PEM", pair[0])))
        .containsExactly("tls.keyFile: missing; required when tls.enabled is true: a PEM private key file (or the "
            + "PEM text in tls.keyPem)");
    assertThat(tlsProblems("tls:\n  enabled: true\n", Map.of("MRGC_TLS_KEY_PEM", pair[1])))
        .containsExactly("tls.certificateFile: missing; required when tls.enabled is true: a PEM certificate chain "
            + "file (or the PEM text in tls.certificatePem)");
    assertThat(tlsProblems("tls:\n  enabled: true\n  certificateFile: /etc/mrgc/router.pem\n",
        Map.of("MRGC_TLS_KEY_PEM", pair[1]))).containsExactly("tls.keyPem: the certificate and key must come in the "
            + "same form, but tls.certificateFile and tls.keyPem are set; allowed: tls.certificateFile with "
            + "tls.keyFile, or tls.certificatePem with tls.keyPem");
  }

  @Test
  void textThatIsNotPemIsRefusedWithoutShowingTheKey() {
    String notPem = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg";
    List<String> problems = tlsProblems("tls:\n  enabled: true\n",
        Map.of("MRGC_TLS_CERTIFICATE_PEM", "/etc/mrgc/router.pem", "MRGC_TLS_KEY_PEM", notPem));
    assertThat(problems).containsExactly(
        "tls.certificatePem: is not PEM text; allowed: the certificate chain as PEM, blocks from "
            + "-----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----, line breaks included (not a file name: "
            + "that is tls.certificateFile)",
        "tls.keyPem: is not PEM text (not shown); allowed: the unencrypted private key as PEM, a block from "
            + "-----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY, EC PRIVATE KEY) to its END line, line breaks "
            + "included (not a file name: that is tls.keyFile)");
    assertThat(String.join("\n", problems)).doesNotContain(notPem);
  }

  @Test
  void aPemKeyOfAnotherCertificateIsRefusedBeforeTheStart() throws Exception {
    String[] pair = pemPair("router");
    String[] other = pemPair("other");
    List<String> problems = tlsProblems("tls:\n  enabled: true\n",
        Map.of("MRGC_TLS_CERTIFICATE_PEM", pair[0], "MRGC_TLS_KEY_PEM", other[1]));
    assertThat(problems).containsExactly("tls: private key from tls.keyPem does not match the certificate from "
        + "tls.certificatePem (the first certificate must be the server's, the key its private key)");
  }

  @Test
  void tlsFilesAreCheckedBeforeTheStart() {
    Path missing = dir.resolve("router.pem");
    Path key = dir.resolve("router-key.pem");
    assertThat(problems(LOCAL + "tls:\n  enabled: true\n  certificateFile: " + missing + "\n  keyFile: " + key
        + "\n")).containsExactly("tls: certificate chain " + missing + " does not exist");
  }

  @Test
  void anUnknownKeyIsRefusedWithASuggestion() {
    assertThat(problems(LOCAL + "tls:\n  enabled: false\nlistener:\n  prot: 8080\nlifecycle:\n  drainDely: 1s\n"))
        .containsExactly("listener.prot: unknown key (did you mean 'listener.port'?)",
            "lifecycle.drainDely: unknown key (did you mean 'lifecycle.drainDelay'?)");
  }

  @Test
  void malformedTrustedCidrsAreRefusedEachWithItsReason() {
    assertThat(problems(LOCAL + """
        tls:
          enabled: false
        proxyProtocol:
          port: 8444
          trustedCidrs: [10.0.0.0/24, 10.0.0.1/24, 10.0.0.0, 10.0.0.0/33]
        """)).containsExactly(
            "proxyProtocol.trustedCidrs: CIDR \"10.0.0.1/24\" has host bits set; write its network, 10.0.0.0/24",
            "proxyProtocol.trustedCidrs: CIDR must be <address>/<prefix length>, e.g. 10.0.0.0/16, but was "
                + "\"10.0.0.0\"",
            "proxyProtocol.trustedCidrs: CIDR prefix length must be between 0 and 32 for an IPv4 address, but was "
                + "\"33\" in \"10.0.0.0/33\"");
  }

  @Test
  void badAgentKeysAreRefusedWithoutShowingThem() {
    String reversed = SECRET + ":k1";
    List<String> problems = problems(LOCAL + "tls:\n  enabled: false\nagentAuth:\n  keys: \"" + reversed + "\"\n");
    assertThat(problems).containsExactly("agentAuth.keys: peer auth key id must be 1 to 64 of [A-Za-z0-9_.-], but "
        + "was ******; allowed: one or two id:base64secret entries, secrets of at least 32 bytes");
    assertThat(String.join("\n", problems)).doesNotContain(SECRET.substring(0, 12));
  }

  @Test
  void modeAwsNeedsAgentKeys() {
    assertThat(problems("mode: aws\nregion: us-east-1\ntls:\n  enabled: false\n")).containsExactly(
        "agentAuth.keys: missing; required in mode aws: one or two id:base64secret entries (the agents' keys)");
  }

  @Test
  void modeAwsWithoutCredentialsIsRefusedBeforeTheStart() throws Exception {
    // The SDK's default chain must find nothing: no key properties (and no AWS_ credential variables on the build
    // machines), empty profile files, and no instance metadata lookup (it would take seconds to time out).
    Path empty = Files.createFile(dir.resolve("empty-profile"));
    Map<String, String> properties = Map.of("aws.sharedCredentialsFile", empty.toString(),
        "aws.configFile", empty.toString(), "aws.disableEc2Metadata", "true");
    Map<String, String> before = new java.util.HashMap<>();
    properties.forEach((name, value) -> before.put(name, System.setProperty(name, value)));
    try {
      List<String> problems = problems("mode: aws\nregion: us-east-1\ntls:\n  enabled: false\nagentAuth:\n  keys: "
          + KEY + "\n");
      assertThat(problems).hasSize(1);
      assertThat(problems.get(0)).startsWith("mode aws but no AWS credentials: the SDK's default chain "
          + "(environment, web identity, ECS task role, instance profile) found none: ");
    } finally {
      before.forEach((name, value) -> {
        if (value == null) {
          System.clearProperty(name);
        } else {
          System.setProperty(name, value);
        }
      });
    }
  }

  @Test
  void checkConfigShowsTheEffectiveValuesWithAgentKeysMasked() throws Exception {
    Path file = dir.resolve("router.yaml");
    Files.writeString(file, LOCAL + "tls:\n  enabled: false\nrouterId: r-1\nagentAuth:\n  keys: " + KEY + "\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = ServiceRunner.check(new RouterServiceDefinition(), file, Map.of("MRGC_LISTENER_PORT", "8080"),
        new PrintWriter(out), new PrintWriter(err));

    assertThat(exit).isZero();
    assertThat(err.toString()).isEmpty();
    assertThat(out.toString())
        .contains("agentAuth.keys = ******  (router.yaml)")
        .contains("listener.port = 8080  (env MRGC_LISTENER_PORT)")
        .contains("lifecycle.drainDelay = 5s  (default)")
        .doesNotContain(SECRET);
  }

  @Test
  void checkConfigMasksThePemKey() throws Exception {
    String[] pair = pemPair("router");
    Path file = dir.resolve("router.yaml");
    Files.writeString(file, LOCAL + "tls:\n  enabled: true\nrouterId: r-1\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = ServiceRunner.check(new RouterServiceDefinition(), file,
        Map.of("MRGC_TLS_CERTIFICATE_PEM", pair[0], "MRGC_TLS_KEY_PEM", pair[1]),
        new PrintWriter(out), new PrintWriter(err));

    assertThat(err.toString()).isEmpty();
    assertThat(exit).isZero();
    assertThat(out.toString())
        .contains("tls.keyPem = ******  (env MRGC_TLS_KEY_PEM)")
        .contains("tls.certificatePem = ******  (env MRGC_TLS_CERTIFICATE_PEM)")
        .doesNotContain("PRIVATE KEY")
        .doesNotContain(pair[1].lines().skip(1).findFirst().orElseThrow());
  }

  @Test
  void withoutRouterIdTheEcsTaskIdIsUsed() throws Exception {
    HttpServer metadata = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    metadata.createContext("/v4/c1/task", exchange -> {
      byte[] body = "{\"TaskARN\":\"arn:aws:ecs:us-east-1:123456789012:task/mrgc/0f3c2b1a9e8d\"}"
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    metadata.start();
    try {
      String uri = "http://127.0.0.1:" + metadata.getAddress().getPort() + "/v4/c1";
      RouterServiceConfig config = ServiceRunner.load(
          new RouterServiceDefinition(() -> Map.of(RouterIds.ECS_METADATA_ENV, uri)),
          ConfigSource.ofYaml(LOCAL + "tls:\n  enabled: false\n", "router.yaml", Map.of())).config();
      assertThat(config.router().routerId()).isEqualTo("0f3c2b1a9e8d");
    } finally {
      metadata.stop(0);
    }
    assertThat(load(LOCAL + "tls:\n  enabled: false\n", Map.of()).config().router().routerId()).isNotBlank();
  }
}
