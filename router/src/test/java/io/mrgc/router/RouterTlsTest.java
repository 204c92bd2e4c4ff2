package io.mrgc.router;

import static io.mrgc.router.FakeAgent.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.common.tls.LocalCertificateAuthority;
import io.mrgc.common.tls.ServerTls;
import io.mrgc.common.tls.TlsProbes;
import io.mrgc.router.ppv2.ProxyHeaders;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.TenantItem;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router's tenant listener with TLS (finding 5 of issue #10: API keys and envelopes must not cross the network in
 * cleartext): TLS 1.2/1.3 clients that trust its CA are served, TLS 1.1 and plaintext are refused, bad certificate
 * files stop its start, and the PROXY v2 listener passes the tenant's TLS through to it.
 */
@ExtendWith(VertxExtension.class)
class RouterTlsTest {
  private static final String VPCE = "vpce-0123456789abcdef0";
  @TempDir static Path dir;
  private static LocalState state;
  private static StateClient client;
  private static LocalCertificateAuthority ca;
  private static ServerTls tls;
  private Vertx vertx;
  private String region;
  private int test;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-east-1");
    ca = LocalCertificateAuthority.openOrCreate(dir.resolve("tls"));
    tls = ca.issueServer("router", List.of("127.0.0.1", "localhost"));
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    region = "test-tls-" + (++test) + "-" + System.nanoTime();
    FakeAgent.start(vertx, "i-tls").register(new GpuInstanceRepository(client), region, 0);
  }

  private RouterVerticle deploy(RouterOptions options) {
    RouterVerticle router = new RouterVerticle(options, client);
    await(vertx.deployVerticle(router));
    return router;
  }

  private RouterOptions options() {
    return RouterOptions.defaults(region, "router-1").withHeartbeatStaleAfter(Duration.ofMinutes(5)).withTls(tls);
  }

  /** Proves an authenticated inference request is served over TLS 1.2 and TLS 1.3 by a client trusting the CA. */
  @Test
  void servesTls12AndTls13() throws Exception {
    RouterVerticle router = deploy(options());
    String key = Tenants.create(client, "tenant-tls-" + region);
    for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
      HttpClient https = TlsProbes.client(ca.certificateFile(), protocol);
      HttpResponse<String> response = https.send(HttpRequest.newBuilder(
              URI.create("https://127.0.0.1:" + router.actualPort() + "/v2/models/m1/infer"))
          .header("authorization", Tenants.bearer(key)).header("content-type", Tenants.ENVELOPE)
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(protocol).isEqualTo(200);
    }
  }

  /** Proves the tenant listener refuses TLS 1.1, plaintext HTTP, and a client that does not trust its CA. */
  @Test
  void refusesTls11PlaintextAndClientsNotTrustingTheCa() throws Exception {
    RouterVerticle router = deploy(options());
    assertThat(TlsProbes.answerToTls11Hello("127.0.0.1", router.actualPort()))
        .isIn(TlsProbes.Answer.ALERT, TlsProbes.Answer.CLOSED);
    assertThat(TlsProbes.answerToPlaintextHttp("127.0.0.1", router.actualPort()))
        .isNotEqualTo(TlsProbes.Answer.HTTP);
    LocalCertificateAuthority stranger = LocalCertificateAuthority.openOrCreate(dir.resolve("stranger"));
    assertThat(TlsProbes.get(TlsProbes.client(stranger.certificateFile(), "TLSv1.3"),
        URI.create("https://127.0.0.1:" + router.actualPort() + RouterVerticle.HEALTHZ)))
        .startsWith("SSLHandshakeException");
  }

  /** Proves a router with a key that is not its certificate's does not start, and says which files. */
  @Test
  void badKeyFileStopsTheStartNamingTheFile() throws Exception {
    Path wrongKey = Files.copy(ca.issueServer("other", List.of("localhost")).privateKey(), dir.resolve("wrong.pem"));
    RouterVerticle router = new RouterVerticle(options().withTls(ServerTls.fromPem(tls.certificateChain(), wrongKey)),
        client);
    assertThatThrownBy(() -> await(vertx.deployVerticle(router)))
        .hasStackTraceContaining("private key " + wrongKey + " does not match the certificate in "
            + tls.certificateChain());
  }

  /**
   * Proves a PrivateLink tenant's TLS goes through the PROXY v2 listener to the TLS listener: the PROXY header in
   * the clear (the NLB writes it), then the tenant's own handshake, and the vpce allowlist still applies.
   */
  @Test
  void proxyProtocolListenerRelaysTls() throws Exception {
    RouterVerticle router = deploy(options().withProxyProtocolPort(0));
    String key = Tenants.create(client, "tenant-tls-vpce-" + region,
        (TenantItem tenant) -> tenant.setVpcEndpointIds(List.of(VPCE)));
    try (Socket tcp = new Socket("127.0.0.1", router.proxyProtocolPort())) {
      tcp.getOutputStream().write(ProxyHeaders.inet(VPCE).getBytes());
      try (SSLSocket socket = (SSLSocket) TlsProbes.trusting(ca.certificateFile()).getSocketFactory()
          .createSocket(tcp, "127.0.0.1", router.proxyProtocolPort(), true)) {
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v2/models/m1/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + Tenants.bearer(key)
            + "\r\nContent-Type: " + Tenants.ENVELOPE + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(answer).startsWith("HTTP/1.1 200");
      }
    }
  }
}
