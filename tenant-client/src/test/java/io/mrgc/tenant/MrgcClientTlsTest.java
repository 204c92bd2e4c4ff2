package io.mrgc.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.mrgc.common.tls.LocalCertificateAuthority;
import io.mrgc.common.tls.PemFiles;
import io.mrgc.common.tls.ServerTls;
import io.mrgc.wire.keys.DataKey;
import io.mrgc.wire.keys.DataKeySource;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK over https (finding 5 of issue #10): it trusts the CA it is given, checks the endpoint's address against
 * the certificate, and fails without sending the API key, and without retrying, when it cannot trust the endpoint.
 */
class MrgcClientTlsTest {
  @TempDir static Path dir;
  private static LocalCertificateAuthority ca;
  private static LocalCertificateAuthority stranger;
  private final DataKeySource kms = (keyId, context) -> new DataKey(keyId, new byte[32],
      "edk".getBytes(StandardCharsets.UTF_8));
  private final AtomicReference<String> seenAuthorization = new AtomicReference<>();
  private final AtomicInteger requests = new AtomicInteger();
  private HttpsServer server;

  @BeforeAll
  static void makeCas() {
    ca = LocalCertificateAuthority.openOrCreate(dir.resolve("ca"));
    stranger = LocalCertificateAuthority.openOrCreate(dir.resolve("stranger"));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  /** An https server with a certificate for {@code hosts}; it answers every request 400 invalid_request. */
  private URI serve(List<String> hosts) throws Exception {
    ServerTls tls = ca.issueServer("server-" + System.nanoTime(), hosts);
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("server", PemFiles.privateKey("key", tls.privateKey()), new char[0],
        PemFiles.certificates("chain", tls.certificateChain()).toArray(Certificate[]::new));
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, new char[0]);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(context));
    server.createContext("/", exchange -> {
      requests.incrementAndGet();
      seenAuthorization.set(exchange.getRequestHeaders().getFirst("authorization"));
      exchange.getRequestBody().readAllBytes();
      byte[] body = "{\"error\":{\"code\":\"invalid_request\",\"message\":\"because\",\"requestId\":\"r1\"}}"
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("content-type", "application/json");
      exchange.sendResponseHeaders(400, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
  }

  private MrgcClient.Builder client(URI endpoint) {
    return MrgcClient.builder().endpoint(endpoint).tenant("acme").apiKey("mrgc_test").kmsKeyId("local:acme:1")
        .dataKeySource(kms);
  }

  /** Proves the SDK reaches an https endpoint whose certificate chains to the CA it was given. */
  @Test
  void trustsTheGivenCa() throws Exception {
    URI endpoint = serve(List.of("127.0.0.1"));
    try (MrgcClient client = client(endpoint).caCertificate(ca.certificateFile()).build()) {
      assertThatThrownBy(() -> client.embed("m", List.of("x"))).isInstanceOf(MrgcException.BadRequest.class)
          .hasMessageContaining("because");
    }
    assertThat(seenAuthorization.get()).isEqualTo("Bearer mrgc_test");
  }

  /**
   * Proves an endpoint the SDK cannot trust (the JVM's CAs, another CA, a certificate for another host) gets no
   * request, so no API key, and the failure is typed, says what to do, and is not retried.
   */
  @Test
  void refusesEndpointsItCannotTrust() throws Exception {
    URI endpoint = serve(List.of("localhost"));
    for (Path trust : new Path[] {null, stranger.certificateFile(), ca.certificateFile()}) {
      try (MrgcClient client = client(endpoint).caCertificate(trust).build()) {
        assertThatThrownBy(() -> client.embed("m", List.of("x")))
            .isInstanceOfSatisfying(MrgcException.TlsFailure.class, e -> {
              assertThat(e.code()).isEqualTo("tls_handshake_failed");
              assertThat(e.attempts()).isEqualTo(1);
            })
            .hasMessageContaining("--ca-cert");
      }
    }
    assertThat(requests.get()).isZero();
    assertThat(seenAuthorization.get()).isNull();
  }

  @Test
  void badSettingsAreNamed() {
    Path missing = dir.resolve("missing-ca.pem");
    assertThatThrownBy(() -> client(URI.create("https://127.0.0.1:1")).caCertificate(missing).build())
        .hasMessage("CA certificate " + missing + " does not exist");
    assertThatThrownBy(() -> client(URI.create("ftp://127.0.0.1:1")).build())
        .hasMessage("endpoint must be an https:// URL (or http:// for a local cluster serving plaintext), but was "
            + "ftp://127.0.0.1:1");
  }
}
