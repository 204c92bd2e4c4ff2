package io.mrgc.common.service;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin listener of a service that has no HTTP listener of its own (control loops, enclave host): {@code /livez}
 * (the process answers: ECS and EC2 restart it when not), {@code /readyz} (200 when it can take work, 503 while
 * starting or draining), {@code /healthz} (the same verdict with details as JSON) and {@code /metrics} (Prometheus
 * text). Bind it to a private address: it is for load balancers' health checks and on-call, not tenants.
 */
public final class AdminServer {
  private final Vertx vertx;
  private final String host;
  private final int port;
  private final BooleanSupplier ready;
  private final Supplier<JsonObject> details;
  private final Supplier<String> metrics;
  private HttpServer server;

  /** {@code metrics} may be null (no {@code /metrics}); {@code details} adds to {@code /healthz}'s JSON. */
  public AdminServer(Vertx vertx, String host, int port, BooleanSupplier ready, Supplier<JsonObject> details,
      Supplier<String> metrics) {
    this.vertx = vertx;
    this.host = host;
    this.port = port;
    this.ready = ready;
    this.details = details;
    this.metrics = metrics;
  }

  public Future<Integer> start() {
    return vertx.createHttpServer(new HttpServerOptions().setIdleTimeout(30).setMaxInitialLineLength(1024)
            .setMaxHeaderSize(8192))
        .requestHandler(this::handle)
        .listen(port, host)
        .map(listening -> {
          server = listening;
          return listening.actualPort();
        });
  }

  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void handle(HttpServerRequest request) {
    if (request.method() != HttpMethod.GET) {
      request.response().setStatusCode(405).putHeader("allow", "GET").end();
      return;
    }
    switch (request.path()) {
      case "/livez" -> request.response().putHeader("content-type", "text/plain").end("live\n");
      case "/readyz" -> {
        boolean isReady = ready.getAsBoolean();
        request.response().setStatusCode(isReady ? 200 : 503).putHeader("content-type", "text/plain")
            .end(isReady ? "ready\n" : "not ready\n");
      }
      case "/healthz" -> {
        boolean isReady = ready.getAsBoolean();
        JsonObject body = new JsonObject().put("ready", isReady)
            .put("transport", vertx.isNativeTransportEnabled() ? "epoll" : "nio")
            .mergeIn(details == null ? new JsonObject() : details.get());
        request.response().setStatusCode(isReady ? 200 : 503).putHeader("content-type", "application/json")
            .end(body.encode());
      }
      case "/metrics" -> {
        if (metrics == null) {
          request.response().setStatusCode(404).end();
        } else {
          request.response().putHeader("content-type", "text/plain; version=0.0.4").end(metrics.get());
        }
      }
      default -> request.response().setStatusCode(404).end();
    }
  }
}
