package io.mrgc.common.net;

import io.mrgc.common.Check;
import java.time.Duration;

/**
 * What one connection may make a listener hold: time to send a request head, silence, one request's whole life,
 * and how many connections may be open at once. Enforced by {@link HttpListenerGuard} (HTTP listeners) and
 * {@link ConnectionCap} (raw TCP listeners, which use only {@code idleTimeout} and {@code maxConnections}).
 *
 * @param headerTimeout longest time from accepting a connection to its first complete request head; a client that
 *     drips its headers (slowloris) is closed past it, whatever bytes it keeps sending
 * @param idleTimeout longest silence on a connection (no byte either way), and longest wait for the next request head
 *     on a kept-alive connection
 * @param requestTimeout longest time from a request's head to the end of its response; past it the connection is
 *     closed (the total bound on one request, whatever its parts take)
 * @param maxConnections most connections open at once; one more is closed as soon as it is accepted
 */
public record ListenerLimits(Duration headerTimeout, Duration idleTimeout, Duration requestTimeout,
    int maxConnections) {
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
  /**
   * Longer than the 60 s that Vert.x HTTP clients keep an idle connection (the router's to agents, the front door's
   * to routers), so a client never reuses a connection the server is closing.
   */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(90);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMinutes(5);
  public static final int DEFAULT_MAX_CONNECTIONS = 4096;

  public ListenerLimits {
    Check.positive("headerTimeout", headerTimeout);
    Check.positive("idleTimeout", idleTimeout);
    Check.positive("requestTimeout", requestTimeout);
    Check.between("maxConnections", maxConnections, 1, 1_000_000);
  }

  public static ListenerLimits defaults() {
    return new ListenerLimits(DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_MAX_CONNECTIONS);
  }

  public ListenerLimits withHeaderTimeout(Duration value) {
    return new ListenerLimits(value, idleTimeout, requestTimeout, maxConnections);
  }

  public ListenerLimits withIdleTimeout(Duration value) {
    return new ListenerLimits(headerTimeout, value, requestTimeout, maxConnections);
  }

  public ListenerLimits withRequestTimeout(Duration value) {
    return new ListenerLimits(headerTimeout, idleTimeout, value, maxConnections);
  }

  public ListenerLimits withMaxConnections(int value) {
    return new ListenerLimits(headerTimeout, idleTimeout, requestTimeout, value);
  }
}
