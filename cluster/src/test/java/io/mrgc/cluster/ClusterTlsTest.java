package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mrgc.common.tls.TlsProbes;
import io.mrgc.tenant.MrgcClient;
import io.mrgc.tenant.MrgcException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local cluster as `mrgc up` runs it by default, with HTTPS (finding 5 of issue #10): a local CA in the state dir,
 * the front door's anycast addresses and the routers on TLS only, the SDK and the tenant CLI trusting the CA, the
 * failover controllers' probes reaching the routers over TLS.
 */
class ClusterTlsTest {
  private static final String MODEL = "all-minilm-l6-v2";
  @TempDir static Path stateDir;
  private static LocalCluster cluster;
  private static TenantAdmin.Credentials tenant;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(LocalClusterOptions.ephemeral(stateDir).withPlaintextHttp(false)
        .withAgentsPerRegion(1).withFailover(FailoverOptions.defaults()));
    cluster.awaitServing(Duration.ofSeconds(60)); // over TLS: it trusts the local CA
    tenant = cluster.createTenant("tls", TenantAdmin.TenantSettings.defaults());
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static MrgcClient.Builder sdk(URI endpoint) {
    return MrgcClient.builder().endpoint(endpoint).tenant(tenant.tenantId()).apiKey(tenant.apiKey())
        .kmsKeyId(tenant.kmsKeyId()).dataKeySource(cluster.tenantKeySource());
  }

  /** Proves the CA is made in the state dir with owner-only keys, and every tenant URL is https. */
  @Test
  void makesALocalCaAndServesHttpsOnly() throws Exception {
    assertThat(cluster.caCertificate()).isEqualTo(stateDir.resolve("tls").resolve("ca.pem"));
    for (String key : List.of("ca-key.pem", "server-key.pem")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir.resolve("tls").resolve(key))))
          .as(key).isEqualTo("rw-------");
    }
    assertThat(cluster.anycastUrls().values()).allMatch(url -> url.getScheme().equals("https"));
    assertThat(cluster.routerUrls().values()).allMatch(url -> url.getScheme().equals("https"));
  }

  /** Proves the SDK with the CA gets encrypted embeddings over https through both anycast addresses, end to end. */
  @Test
  void sdkTrustingTheCaEmbedsThroughBothAnycastAddresses() {
    for (URI anycast : cluster.anycastUrls().values()) {
      try (MrgcClient client = sdk(anycast).caCertificate(cluster.caCertificate()).build()) {
        MrgcClient.Embeddings embeddings = client.embed(MODEL, List.of("The cat sits on the mat"));
        assertThat(embeddings.vectors()).hasSize(1);
        assertThat(embeddings.vectors().get(0)).hasSize(384);
      }
    }
  }

  /** Proves an SDK that does not trust the local CA fails the handshake before sending its API key. */
  @Test
  void sdkWithoutTheCaIsRefused() {
    URI anycast = cluster.anycastUrls().values().iterator().next();
    try (MrgcClient client = sdk(anycast).build()) {
      assertThatThrownBy(() -> client.embed(MODEL, List.of("x"))).isInstanceOf(MrgcException.TlsFailure.class);
    }
  }

  /** Proves the anycast addresses and the routers refuse plaintext HTTP and TLS 1.1. */
  @Test
  void frontDoorAndRoutersRefusePlaintextAndTls11() throws Exception {
    List<URI> listeners = new java.util.ArrayList<>(cluster.anycastUrls().values());
    listeners.addAll(cluster.routerUrls().values());
    for (URI url : listeners) {
      assertThat(TlsProbes.answerToPlaintextHttp(url.getHost(), url.getPort())).as(url.toString())
          .isNotEqualTo(TlsProbes.Answer.HTTP);
      assertThat(TlsProbes.answerToTls11Hello(url.getHost(), url.getPort())).as(url.toString())
          .isIn(TlsProbes.Answer.ALERT, TlsProbes.Answer.CLOSED);
      assertThat(TlsProbes.get(TlsProbes.client(cluster.caCertificate(), "TLSv1.2"), url.resolve("/healthz")))
          .as(url.toString()).isEqualTo("200");
    }
  }

  /** Proves the documented command works: `mrgc tenant embed --ca-cert .mrgc/tls/ca.pem` over https. */
  @Test
  void tenantCliWithCaCertEmbeds() throws Exception {
    URI anycast = cluster.anycastUrls().values().iterator().next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream original = System.out;
    int exit;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      exit = Mrgc.commandLine().execute("tenant", "embed", "--tenant", tenant.tenantId(), "--api-key",
          tenant.apiKey(), "--state-dir", stateDir.toString(), "--endpoint", anycast.toString(), "--ca-cert",
          cluster.caCertificate().toString(), "The cat sits on the mat");
    } finally {
      System.setOut(original);
    }
    assertThat(exit).isZero();
    JsonNode answer = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
    assertThat(answer.path("data").get(0).path("dimensions").asInt()).isEqualTo(384);
  }

  /** Proves the failover controllers' probes reach the TLS routers: each region is observed HEALTHY by the others. */
  @Test
  void failoverProbesReachTheRoutersOverTls() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String status = "";
    while (System.nanoTime() < deadline) {
      status = MrgcRun.against(cluster.dynamoDb().endpoint(), "failover", "status").out();
      String seen = status;
      if (cluster.regions().stream().allMatch(observer -> seen.lines()
          .filter(l -> l.contains("observed from " + observer + " ") && l.contains("HEALTHY")).count()
          == cluster.regions().size())) {
        break;
      }
      Thread.sleep(500);
    }
    for (String observer : cluster.regions()) {
      String seen = status;
      assertThat(seen.lines().filter(l -> l.contains("observed from " + observer + " ") && l.contains("HEALTHY"))
          .count()).as("regions " + observer + " saw HEALTHY in:\n" + status).isEqualTo(cluster.regions().size());
    }
  }
}
