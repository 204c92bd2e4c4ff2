package io.mrgc.router;

import io.mrgc.common.Check;
import io.mrgc.common.net.ListenerLimits;
import java.time.Duration;

/**
 * Bounds on what one client may make the router hold: request bodies (deadline, buffered bytes per tenant and per
 * router), listener timeouts and connection caps, failed authentications and the table reads they cause. The body
 * size bound itself is {@link RouterOptions#maxBodyBytes()}.
 *
 * @param bodyTimeout longest time to receive a whole request body, counted from admission by the tenant gate; past
 *     it the request gets 408 {@code body_timeout} and its connection is closed. No instance is picked before the
 *     body is complete, so a slow body only ever holds router memory, never an instance
 * @param tenantBufferBytes most body bytes buffered at once for one tenant (declared Content-Length reserved up
 *     front, chunked bodies counted as they arrive); past it 429 {@code body_buffer_full} with Retry-After
 * @param routerBufferBytes most body bytes buffered at once for all tenants together; past it 503
 *     {@code router_busy} with Retry-After
 * @param listener timeouts and connection cap of the tenant listener; the PROXY v2 listener uses its idle timeout
 *     and connection cap (its header deadline is {@link RouterOptions#proxyProtocolHeaderTimeout()})
 * @param authFailuresPerSecond failed authentications allowed per second from one source address (the PROXY v2
 *     source when present, else the peer), and separately per API key prefix; past them 429
 *     {@code auth_rate_limited} without a table read
 * @param authFailureBurst failed authentications a source or a key prefix may have in a burst
 * @param authFailureTrackedKeys most sources and most key prefixes tracked at once (least recently failed dropped)
 * @param authLookupsPerSource most table reads of unknown API keys waiting at once for one source; one more gets 503
 *     {@code auth_unavailable}. Waiting reads are served round-robin across sources, so one source's flood of
 *     random keys delays another's lookup by at most one read per busy source
 * @param authLookupSources most sources with table reads waiting at once
 */
public record IngressLimits(Duration bodyTimeout, long tenantBufferBytes, long routerBufferBytes,
    ListenerLimits listener, double authFailuresPerSecond, int authFailureBurst, int authFailureTrackedKeys,
    int authLookupsPerSource, int authLookupSources) {

  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(10);
  public static final long DEFAULT_TENANT_BUFFER_BYTES = 8L * 1024 * 1024;
  public static final long DEFAULT_ROUTER_BUFFER_BYTES = 64L * 1024 * 1024;
  public static final double DEFAULT_AUTH_FAILURES_PER_SECOND = 2;
  public static final int DEFAULT_AUTH_FAILURE_BURST = 20;
  public static final int DEFAULT_AUTH_FAILURE_TRACKED_KEYS = 10_000;
  public static final int DEFAULT_AUTH_LOOKUPS_PER_SOURCE = 16;
  public static final int DEFAULT_AUTH_LOOKUP_SOURCES = 4096;
  /** A buffer bound above this is a configuration mistake (the JVM would run out first). */
  public static final long MAX_BUFFER_BYTES = 64L * 1024 * 1024 * 1024;

  public IngressLimits {
    Check.positive("bodyTimeout", bodyTimeout);
    Check.between("tenantBufferBytes", tenantBufferBytes, 1, MAX_BUFFER_BYTES);
    Check.between("routerBufferBytes", routerBufferBytes, 1, MAX_BUFFER_BYTES);
    Check.notNull("listener", listener);
    if (!(authFailuresPerSecond > 0 && authFailuresPerSecond <= 1_000_000)) {
      throw new IllegalArgumentException("authFailuresPerSecond must be between 0 (exclusive) and 1000000, but was "
          + authFailuresPerSecond);
    }
    Check.between("authFailureBurst", authFailureBurst, 1, 1_000_000);
    Check.between("authFailureTrackedKeys", authFailureTrackedKeys, 1, 10_000_000);
    Check.between("authLookupsPerSource", authLookupsPerSource, 1, 1_000_000);
    Check.between("authLookupSources", authLookupSources, 1, 10_000_000);
  }

  public static IngressLimits defaults() {
    return new IngressLimits(DEFAULT_BODY_TIMEOUT, DEFAULT_TENANT_BUFFER_BYTES, DEFAULT_ROUTER_BUFFER_BYTES,
        ListenerLimits.defaults(), DEFAULT_AUTH_FAILURES_PER_SECOND, DEFAULT_AUTH_FAILURE_BURST,
        DEFAULT_AUTH_FAILURE_TRACKED_KEYS, DEFAULT_AUTH_LOOKUPS_PER_SOURCE, DEFAULT_AUTH_LOOKUP_SOURCES);
  }

  public IngressLimits withBodyTimeout(Duration value) {
    return new IngressLimits(value, tenantBufferBytes, routerBufferBytes, listener, authFailuresPerSecond,
        authFailureBurst, authFailureTrackedKeys, authLookupsPerSource, authLookupSources);
  }

  public IngressLimits withTenantBufferBytes(long value) {
    return new IngressLimits(bodyTimeout, value, routerBufferBytes, listener, authFailuresPerSecond,
        authFailureBurst, authFailureTrackedKeys, authLookupsPerSource, authLookupSources);
  }

  public IngressLimits withRouterBufferBytes(long value) {
    return new IngressLimits(bodyTimeout, tenantBufferBytes, value, listener, authFailuresPerSecond,
        authFailureBurst, authFailureTrackedKeys, authLookupsPerSource, authLookupSources);
  }

  public IngressLimits withListener(ListenerLimits value) {
    return new IngressLimits(bodyTimeout, tenantBufferBytes, routerBufferBytes, value, authFailuresPerSecond,
        authFailureBurst, authFailureTrackedKeys, authLookupsPerSource, authLookupSources);
  }

  public IngressLimits withAuthFailuresPerSecond(double value) {
    return new IngressLimits(bodyTimeout, tenantBufferBytes, routerBufferBytes, listener, value, authFailureBurst,
        authFailureTrackedKeys, authLookupsPerSource, authLookupSources);
  }

  public IngressLimits withAuthFailureBurst(int value) {
    return new IngressLimits(bodyTimeout, tenantBufferBytes, routerBufferBytes, listener, authFailuresPerSecond,
        value, authFailureTrackedKeys, authLookupsPerSource, authLookupSources);
  }

  public IngressLimits withAuthFailureTrackedKeys(int value) {
    return new IngressLimits(bodyTimeout, tenantBufferBytes, routerBufferBytes, listener, authFailuresPerSecond,
        authFailureBurst, value, authLookupsPerSource, authLookupSources);
  }

  public IngressLimits withAuthLookupsPerSource(int value) {
    return new IngressLimits(bodyTimeout, tenantBufferBytes, routerBufferBytes, listener, authFailuresPerSecond,
        authFailureBurst, authFailureTrackedKeys, value, authLookupSources);
  }

  public IngressLimits withAuthLookupSources(int value) {
    return new IngressLimits(bodyTimeout, tenantBufferBytes, routerBufferBytes, listener, authFailuresPerSecond,
        authFailureBurst, authFailureTrackedKeys, authLookupsPerSource, value);
  }
}
