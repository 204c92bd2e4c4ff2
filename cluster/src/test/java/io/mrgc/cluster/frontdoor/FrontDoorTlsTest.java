package io.mrgc.cluster.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.common.net.ListenerLimits;
import io.mrgc.common.tls.ClientTls;
import io.mrgc.common.tls.LocalCertificateAuthority;
import io.mrgc.common.tls.ServerTls;
import io.mrgc.common.tls.TlsProbes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The front door with TLS on both sides (finding 5 of issue #10): it terminates the tenant's TLS 1.2/1.3 on the
 * anycast addresses and reaches TLS-only routers over TLS, health checks included, trusting only their CA.
 */
class FrontDoorTlsTest {
  @TempDir static Path dir;
  @RegisterExtension static final RoutingStateFixture STATE = new RoutingStateFixture();
  private static LocalCertificateAuthority ca;
  private static ServerTls anycastTls;
  private static ServerTls routerTls;
  private Vertx vertx;
  private FrontDoor frontDoor;
  private final Map<String, URI> routers = new LinkedHashMap<>();
  private final Map<String, AtomicInteger> healthChecks = new ConcurrentHashMap<>();

  @BeforeAll
  static void issueCertificates() {
    ca = LocalCertificateAuthority.openOrCreate(dir.resolve("tls"));
    anycastTls = ca.issueServer("anycast", FrontDoorOptions.DEFAULT_ANYCAST_ADDRESSES);
    routerTls = ca.issueServer("router", List.of("127.0.0.1"));
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    for (String region : Regions.ALL) {
      healthChecks.put(region, new AtomicInteger());
      // TLS-only fake routers: a plaintext proxy or health check could not reach them.
      HttpServer server = vertx.createHttpServer(routerTls.applyTo(new HttpServerOptions()))
          .requestHandler(request -> {
            if (request.path().equals("/healthz/region")) {
              healthChecks.get(region).incrementAndGet();
              request.response().end();
            } else {
              request.response().putHeader("x-mrgc-region", region).end(region);
            }
          }).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
      routers.put(region, URI.create("https://127.0.0.1:" + server.actualPort()));
    }
    FrontDoorOptions options = new FrontDoorOptions(FrontDoorOptions.DEFAULT_ANYCAST_ADDRESSES, 0,
        FrontDoorOptions.oneRouterEach(routers),
        "us-east-1", Map.of(), new HealthCheckOptions(Duration.ofMillis(100), 2, Duration.ofSeconds(3),
        "/healthz/region"), Duration.ofMillis(100),
        new FrontDoorTls(anycastTls, ClientTls.trusting(ca.certificateFile())), ListenerLimits.defaults());
    frontDoor = new FrontDoor(options, STATE.routing());
    vertx.deployVerticle(frontDoor).await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS); // TLS connections close with a close_notify each; slow on a busy CI
  }

  private URI anycast(String address, String path) {
    return URI.create("https://" + address + ":" + frontDoor.actualPorts().get(address) + path);
  }

  /**
   * Proves tenants trusting the CA are served over TLS 1.2 and 1.3 on both anycast addresses, through TLS to the
   * routers, and that the health checks reach the TLS-only routers (each counted them, and every region is healthy).
   */
  @Test
  void servesTlsClientsThroughTlsToTheRouters() throws Exception {
    for (String address : FrontDoorOptions.DEFAULT_ANYCAST_ADDRESSES) {
      for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
        HttpClient https = TlsProbes.client(ca.certificateFile(), protocol);
        HttpResponse<String> response = https.send(HttpRequest.newBuilder(anycast(address, "/v1/embeddings"))
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(address + " " + protocol).isEqualTo(200);
        assertThat(response.body()).isIn(Regions.ALL); // a cold JVM's slow first handshakes may fail a check

      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    for (String region : Regions.ALL) {
      // A plaintext check never reaches these routers: the count would stay 0.
      while ((healthChecks.get(region).get() < 3 || !frontDoor.healthy(region)) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(healthChecks.get(region).get()).as(region + " checks received").isGreaterThanOrEqualTo(3);
      assertThat(frontDoor.healthy(region)).as(region).isTrue();
    }
  }

  /** Proves the anycast listeners refuse TLS 1.1, plaintext HTTP and clients that do not trust the CA. */
  @Test
  void refusesTls11PlaintextAndUntrustingClients() throws Exception {
    int port = frontDoor.actualPorts().get("127.0.1.1");
    assertThat(TlsProbes.answerToTls11Hello("127.0.1.1", port)).isIn(TlsProbes.Answer.ALERT, TlsProbes.Answer.CLOSED);
    assertThat(TlsProbes.answerToPlaintextHttp("127.0.1.1", port)).isNotEqualTo(TlsProbes.Answer.HTTP);
    LocalCertificateAuthority stranger = LocalCertificateAuthority.openOrCreate(dir.resolve("stranger"));
    assertThat(TlsProbes.get(TlsProbes.client(stranger.certificateFile(), "TLSv1.3"), anycast("127.0.1.1", "/")))
        .startsWith("SSLHandshakeException");
  }

  /** Proves the front door checks the routers' certificates: trusting another CA, it reaches no router (502). */
  @Test
  void routersWithCertificatesOfAnotherCaAreNotReached() throws Exception {
    LocalCertificateAuthority stranger = LocalCertificateAuthority.openOrCreate(dir.resolve("stranger-routers"));
    FrontDoorOptions misledOptions = new FrontDoorOptions(List.of("127.0.1.3"), 0,
        FrontDoorOptions.oneRouterEach(routers), "us-east-1", Map.of(),
        HealthCheckOptions.defaults(), Duration.ofMillis(100), new FrontDoorTls(
        ca.issueServer("misled", List.of("127.0.1.3")), ClientTls.trusting(stranger.certificateFile())), ListenerLimits.defaults());
    FrontDoor misled = new FrontDoor(misledOptions, STATE.routing());
    vertx.deployVerticle(misled).await(10, TimeUnit.SECONDS);
    HttpResponse<String> response = TlsProbes.client(ca.certificateFile(), "TLSv1.3").send(HttpRequest.newBuilder(
            URI.create("https://127.0.1.3:" + misled.actualPorts().get("127.0.1.3") + "/v1/embeddings"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(502);
    assertThat(response.body()).contains("region_unreachable");
  }
}
