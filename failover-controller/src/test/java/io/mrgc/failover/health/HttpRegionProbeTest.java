package io.mrgc.failover.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Vert.x probe against an in-test server that answers like the router's /healthz/region. */
class HttpRegionProbeTest {
  static Vertx vertx;
  static HttpServer server;
  static int port;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(request -> {
      switch (request.path()) {
        case "/serving" -> request.response().setStatusCode(200)
            .end("{\"region\":\"r\",\"status\":\"serving\",\"routable\":3,\"failoverState\":\"NORMAL\"}");
        case "/evacuated" -> request.response().setStatusCode(503)
            .end("{\"region\":\"r\",\"status\":\"not_serving\",\"routable\":2,\"failoverState\":\"FAILOVER_ACTIVE\"}");
        case "/empty" -> request.response().setStatusCode(503)
            .end("{\"region\":\"r\",\"status\":\"not_serving\",\"routable\":0,\"failoverState\":\"NORMAL\"}");
        case "/broken" -> request.response().setStatusCode(500).end("oops");
        default -> { } // never answers
      }
    }).listen(0, "127.0.0.1").await();
    port = server.actualPort();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  ProbeResult probe(String path) {
    URI url = URI.create("http://127.0.0.1:" + port + path);
    try (HttpRegionProbe probe = new HttpRegionProbe(vertx, Map.of("r", url), Duration.ofMillis(500))) {
      return probe.probe("r").join();
    }
  }

  @Test
  void classifiesTheRoutersAnswers() {
    assertThat(probe("/serving")).satisfies(p -> {
      assertThat(p.outcome()).isEqualTo(ProbeResult.Outcome.SERVING);
      assertThat(p.routable()).isEqualTo(3);
      assertThat(p.httpStatus()).isEqualTo(200);
    });
    assertThat(probe("/evacuated").outcome()).isEqualTo(ProbeResult.Outcome.EVACUATED);
    assertThat(probe("/empty")).satisfies(p -> {
      assertThat(p.outcome()).isEqualTo(ProbeResult.Outcome.NOT_SERVING);
      assertThat(p.detail()).isEqualTo("HTTP 503, routable 0, NORMAL");
    });
    assertThat(probe("/broken")).satisfies(p -> {
      assertThat(p.outcome()).isEqualTo(ProbeResult.Outcome.NOT_SERVING);
      assertThat(p.detail()).isEqualTo("HTTP 500");
    });
  }

  @Test
  void noAnswerIsUnreachable() {
    assertThat(probe("/hang").outcome()).isEqualTo(ProbeResult.Outcome.UNREACHABLE);
  }

  @Test
  void aClosedPortIsUnreachableAndAnUnknownRegionIsSkipped() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    try (HttpRegionProbe probe = new HttpRegionProbe(vertx,
        Map.of("r", URI.create("http://127.0.0.1:" + closed + "/healthz/region")), Duration.ofMillis(500))) {
      assertThat(probe.probe("r").join().outcome()).isEqualTo(ProbeResult.Outcome.UNREACHABLE);
      assertThat(probe.probe("elsewhere").join().outcome()).isEqualTo(ProbeResult.Outcome.SKIPPED);
    }
  }

  ProbeResult probeRouters(String... paths) {
    List<URI> urls = java.util.Arrays.stream(paths).map(p -> URI.create("http://127.0.0.1:" + port + p)).toList();
    try (HttpRegionProbe probe = HttpRegionProbe.ofRouters(vertx, Map.of("r", urls), Duration.ofMillis(500),
        io.mrgc.common.tls.ClientTls.none())) {
      return probe.probe("r").join();
    }
  }

  @Test
  void aRegionWithSeveralRoutersServesWhenOneOfThemServes() {
    assertThat(probeRouters("/broken", "/serving", "/hang")).satisfies(p -> {
      assertThat(p.outcome()).isEqualTo(ProbeResult.Outcome.SERVING);
      assertThat(p.routable()).isEqualTo(3);
      assertThat(p.detail()).isEqualTo("serving (1 of 3 routers)");
    });
    assertThat(probeRouters("/empty", "/evacuated").outcome()).isEqualTo(ProbeResult.Outcome.EVACUATED);
    assertThat(probeRouters("/hang", "/broken")).satisfies(p -> {
      assertThat(p.outcome()).isEqualTo(ProbeResult.Outcome.NOT_SERVING);
      assertThat(p.detail()).isEqualTo("HTTP 500 (1 of 2 routers)");
    });
    assertThat(probeRouters("/hang", "/hang").outcome()).isEqualTo(ProbeResult.Outcome.UNREACHABLE);
  }
}
