package io.mrgc.common.net;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Applies {@link ListenerLimits} to an HTTP server. Vert.x has an idle timeout but no deadline for a request head, so
 * a client that sends one header byte every few seconds (slowloris) would hold its connection forever; nor a bound on
 * a whole request. This guard watches every connection: it closes one whose request head has not arrived within
 * {@code headerTimeout} of the accept (or within {@code idleTimeout} of the previous response's end), one whose
 * request is still unanswered {@code requestTimeout} after its head, one still sending the body of a request answered
 * {@code headerTimeout} ago, and the newest one over {@code maxConnections}.
 *
 * <p>One periodic sweep per listener checks the connections (rather than a timer per connection and request), so a
 * deadline is enforced up to one tick late (a quarter of the shortest timeout, at most one second). Create it once
 * per listener; {@link #install} sets the server's connection and request handlers, {@link #serverOptions} the idle
 * timeout. {@link #close()} stops the sweep.
 */
public final class HttpListenerGuard {
  private static final long MAX_TICK_MILLIS = 1_000;
  private static final long MIN_TICK_MILLIS = 10;

  private final Vertx vertx;
  private final ListenerLimits limits;
  private final ConnectionCap cap;
  private final Map<HttpConnection, Watch> watches = new ConcurrentHashMap<>();
  private final AtomicLong headTimeouts = new AtomicLong();
  private final AtomicLong requestTimeouts = new AtomicLong();
  private long sweepTimer = -1;

  public HttpListenerGuard(Vertx vertx, ListenerLimits limits) {
    this.vertx = vertx;
    this.limits = limits;
    this.cap = new ConnectionCap(limits.maxConnections());
  }

  /**
   * {@code options} with the idle timeout of the limits, and HTTP/1.x only: with cleartext HTTP/2 (h2c) enabled,
   * Vert.x creates the connection (and calls the connection handler this guard counts and times connections in) only
   * once it has read enough bytes to tell HTTP/2 from HTTP/1, so a client that connects and sends nothing, or drips,
   * would escape the header deadline and the cap. Every MRGC listener speaks HTTP/1.1 (one request per connection at
   * a time is what the router and the agents rely on).
   */
  public HttpServerOptions serverOptions(HttpServerOptions options) {
    return options.setIdleTimeout((int) limits.idleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setHttp2ClearTextEnabled(false);
  }

  /** Watches the server's connections and hands each request to {@code handler}; returns the server. */
  public HttpServer install(HttpServer server, Handler<HttpServerRequest> handler) {
    if (sweepTimer < 0) {
      long shortest = Math.min(limits.headerTimeout().toMillis(),
          Math.min(limits.idleTimeout().toMillis(), limits.requestTimeout().toMillis()));
      long tick = Math.max(MIN_TICK_MILLIS, Math.min(MAX_TICK_MILLIS, shortest / 4));
      sweepTimer = vertx.setPeriodic(tick, id -> sweep());
    }
    return server.connectionHandler(this::accepted).requestHandler(request -> {
      Watch watch = watches.get(request.connection());
      if (watch != null) {
        watch.started(request);
      }
      handler.handle(request);
    });
  }

  public void close() {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
      sweepTimer = -1;
    }
  }

  /** Connections open now. */
  public int openConnections() {
    return cap.open();
  }

  /** Connections closed at accept because the listener was full. */
  public long refusedConnections() {
    return cap.refused();
  }

  /**
   * Connections closed because no complete request head came in time, or the rest of an answered request's body did
   * not.
   */
  public long headTimeouts() {
    return headTimeouts.get();
  }

  /** Connections closed because a request outlived {@code requestTimeout}. */
  public long requestTimeouts() {
    return requestTimeouts.get();
  }

  private void accepted(HttpConnection connection) {
    if (!cap.tryOpen()) {
      connection.close();
      return;
    }
    watches.put(connection, new Watch(System.nanoTime()));
    connection.closeHandler(v -> {
      if (watches.remove(connection) != null) {
        cap.closed();
      }
    });
  }

  private void sweep() {
    long now = System.nanoTime();
    watches.forEach((connection, watch) -> {
      if (watch.expired(now, limits)) {
        if (watch.phase == Phase.IN_REQUEST) {
          requestTimeouts.incrementAndGet();
        } else {
          headTimeouts.incrementAndGet();
        }
        connection.close();
      }
    });
  }

  private enum Phase {
    /** Waiting for a request head: the first (headerTimeout) or the next on a kept-alive connection (idleTimeout). */
    AWAITING_HEAD,
    /** A request is being served (requestTimeout). */
    IN_REQUEST,
    /**
     * Answered before its body was read whole (a refusal, a 408, a proxied early answer): the rest of the body may
     * still come, within headerTimeout, and then the next head may follow; a client that keeps dripping it is closed.
     */
    DRAINING
  }

  /** One connection: its phase, since when, and the request being served. Only the sweep changes phases. */
  private static final class Watch {
    volatile Phase phase = Phase.AWAITING_HEAD;
    volatile HttpServerRequest request;
    volatile long sinceNanos;
    volatile boolean servedOne;

    Watch(long acceptedNanos) {
      this.sinceNanos = acceptedNanos;
    }

    void started(HttpServerRequest next) {
      sinceNanos = System.nanoTime();
      request = next;
      phase = Phase.IN_REQUEST;
    }

    /** Moves on to the phase the request's state shows; true when the current phase is past its deadline. */
    boolean expired(long now, ListenerLimits limits) {
      HttpServerRequest current = request;
      if (phase == Phase.IN_REQUEST && current.response().ended()) {
        enter(current.isEnded() ? Phase.AWAITING_HEAD : Phase.DRAINING, now);
      } else if (phase == Phase.DRAINING && current.isEnded()) {
        enter(Phase.AWAITING_HEAD, now);
      }
      long allowed = switch (phase) {
        case IN_REQUEST -> limits.requestTimeout().toNanos();
        case DRAINING -> limits.headerTimeout().toNanos();
        case AWAITING_HEAD -> servedOne ? limits.idleTimeout().toNanos() : limits.headerTimeout().toNanos();
      };
      return now - sinceNanos > allowed;
    }

    private void enter(Phase next, long now) {
      phase = next;
      servedOne = true;
      sinceNanos = now;
    }
  }
}
