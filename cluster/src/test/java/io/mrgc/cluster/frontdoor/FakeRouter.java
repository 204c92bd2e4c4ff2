package io.mrgc.cluster.frontdoor;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test fixture: a router as the front door sees one, a plain Vert.x HTTP server on 127.0.0.1. {@code /healthz/region}
 * answers 200 (or 503 after {@link #failHealth}); any other path answers the router's name after {@link #delay}.
 */
final class FakeRouter {
  private final String name;
  private final HttpServer server;
  private final AtomicInteger served = new AtomicInteger();
  private volatile boolean healthy = true;
  private volatile Duration delay = Duration.ZERO;

  private FakeRouter(Vertx vertx, String name) throws Exception {
    this.name = name;
    this.server = vertx.createHttpServer().requestHandler(request -> {
      if (request.path().equals(HealthCheckOptions.DEFAULT_PATH)) {
        request.response().setStatusCode(healthy ? 200 : 503).end();
        return;
      }
      request.body().onSuccess(body -> {
        served.incrementAndGet();
        if (delay.isZero()) {
          request.response().end(name);
        } else {
          vertx.setTimer(delay.toMillis(), id -> request.response().end(name));
        }
      });
    }).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
  }

  static FakeRouter start(Vertx vertx, String name) throws Exception {
    return new FakeRouter(vertx, name);
  }

  String name() {
    return name;
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.actualPort());
  }

  int served() {
    return served.get();
  }

  void failHealth(boolean failing) {
    healthy = !failing;
  }

  /** How long a tenant request waits before its answer. */
  void delay(Duration value) {
    delay = value;
  }

  /** Stops listening: connections to it are refused. */
  void stop() throws Exception {
    server.close().await(5, TimeUnit.SECONDS);
  }
}
