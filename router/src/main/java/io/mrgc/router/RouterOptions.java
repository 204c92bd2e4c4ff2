package io.mrgc.router;

import io.mrgc.common.Check;
import io.mrgc.common.peer.PeerAuthOptions;
import io.mrgc.common.tls.ServerTls;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The router's configuration, validated at construction with exact messages, e.g.
 * "port must be between 0 and 65535, but was 70000". Start from {@link #defaults(String, String)} and change
 * fields with the {@code with*} methods.
 *
 * @param region the region this router serves (its gpu_instances partition)
 * @param routerId this router's id within the region (the metrics series is {@code router#<region>#<routerId>})
 * @param host interface to listen on
 * @param port port to listen on; 0 picks a free one (see {@link RouterVerticle#actualPort()})
 * @param snapshotInterval pause between the end of one gpu_instances poll and the start of the next
 * @param modelRegistryInterval pause between reads of the model registry (the models table), which tells a model no
 *     instance advertises yet apart: being loaded (503 model_loading) or not served (404 model_not_found)
 * @param heartbeatStaleAfter an instance whose heartbeat is older is filtered out (fail-open)
 * @param maxBodyBytes largest request body; the router buffers each body whole before it picks an instance, so this
 *     bounds one request's buffer; larger ones get 413 {@code body_too_large}
 * @param connectTimeout time to get a connection to an instance; past it the request is retried elsewhere
 * @param requestTimeout longest silence from the instance (no response byte) before the request fails as a timeout
 * @param metricsInterval window of each metrics row written to the metrics table
 * @param metricsTtl how long those rows live (DynamoDB TTL)
 * @param ejectAfterConsecutiveFailures 5xx/timeouts in a row that eject an instance
 * @param baseEjectionTime first ejection's length; the k-th recent one lasts k times this
 * @param maxEjectedPercent largest share of the fleet ejected at once (at least one instance may always be)
 * @param slowStart window after an instance's start during which its score is scaled down
 * @param allowPlaintext local-development switch: accept request bodies that are not encrypted envelopes
 *     (otherwise 415 {@code encryption_required})
 * @param proxyProtocolPort port of the PROXY protocol v2 listener (the PrivateLink NLB's target); -1 = no such
 *     listener, 0 = any free port (see {@link RouterVerticle#proxyProtocolPort()})
 * @param proxyProtocolHeaderTimeout how long a connection to that listener may take to send its PROXY v2 header
 * @param authCacheTtl how long a found tenant (API key hash -> tenant row) is used before it is read again
 * @param authNegativeCacheTtl how long an unknown API key hash is refused without reading the table again
 * @param authCacheMaxEntries most entries in each of the two auth caches (found tenants, unknown keys)
 * @param defaultRateLimitRps sustained requests per second for a tenant whose row sets no rate_limit_rps
 * @param defaultRateLimitBurst token bucket size for a tenant whose row sets no rate_limit_burst
 * @param rateLimiterMaxTenants most tenants with a token bucket at once (least recently used ones are dropped)
 * @param dispatchQueueLimit most requests waiting for an instance with room (each instance serves one tenant at a
 *     time, up to its batch slots of that tenant's requests); one more gets 503 no_capacity; 0 = never wait
 * @param dispatchQueueTimeout longest wait for an instance with room before 503 no_capacity
 * @param tenantTurnBatches a tenant's turn on an instance while requests of other tenants wait in this router's
 *     queue: the instance takes at most this many times its batch slots more of that tenant's dispatches, then
 *     drains so that a waiter gets it
 * @param continueTimeout longest wait for an instance's answer to {@code Expect: 100-continue} (it answers at once
 *     when alive: 100 Continue or a refusal); past it the instance is taken for hung, nothing was sent but the head,
 *     and the request goes to another instance (the shorter of this and {@code requestTimeout} applies)
 * @param ingress bounds on what a client may make the router hold: bodies, time, connections, auth failures
 * @param edge the listeners beside the tenant one: PROXY protocol v2 trust and the admin listener
 * @param tls TLS of the tenant listener ({@link ServerTls#none()}: plaintext HTTP)
 * @param agentAuth how the router proves to the node agents that it forwarded the request
 * @param rateLimits how the region's routers share each tenant's rate limit (leases from the {@code rate_limits}
 *     table, a local fallback while it cannot be reached)
 */
public record RouterOptions(String region, String routerId, String host, int port, Duration snapshotInterval,
    Duration modelRegistryInterval, Duration heartbeatStaleAfter, long maxBodyBytes, Duration connectTimeout,
    Duration requestTimeout, Duration metricsInterval, Duration metricsTtl, int ejectAfterConsecutiveFailures,
    Duration baseEjectionTime, int maxEjectedPercent, Duration slowStart, boolean allowPlaintext, int proxyProtocolPort,
    Duration proxyProtocolHeaderTimeout, Duration authCacheTtl, Duration authNegativeCacheTtl,
    int authCacheMaxEntries, double defaultRateLimitRps, int defaultRateLimitBurst, int rateLimiterMaxTenants,
    int dispatchQueueLimit, Duration dispatchQueueTimeout, int tenantTurnBatches, Duration continueTimeout,
    IngressLimits ingress,
    EdgeListeners edge, ServerTls tls, PeerAuthOptions agentAuth, RegionRateLimits rateLimits) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 0;
  public static final Duration DEFAULT_SNAPSHOT_INTERVAL = Duration.ofSeconds(1);
  public static final Duration DEFAULT_MODEL_REGISTRY_INTERVAL = Duration.ofSeconds(2);
  public static final Duration DEFAULT_HEARTBEAT_STALE_AFTER = Duration.ofSeconds(3);
  /** The envelope limit ({@code EnvelopeCodec.DEFAULT_MAX_ENVELOPE_BYTES}): bodies are buffered whole up to it. */
  public static final long DEFAULT_MAX_BODY_BYTES = 2L * 1024 * 1024;
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_METRICS_INTERVAL = Duration.ofSeconds(10);
  public static final Duration DEFAULT_METRICS_TTL = Duration.ofHours(24);
  public static final int DEFAULT_EJECT_AFTER_CONSECUTIVE_FAILURES = 5;
  public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_EJECTED_PERCENT = 10;
  public static final Duration DEFAULT_SLOW_START = Duration.ofSeconds(30);
  public static final boolean DEFAULT_ALLOW_PLAINTEXT = false;
  /** No PROXY protocol listener. */
  public static final int PROXY_PROTOCOL_DISABLED = -1;
  public static final int DEFAULT_PROXY_PROTOCOL_PORT = PROXY_PROTOCOL_DISABLED;
  public static final Duration DEFAULT_PROXY_PROTOCOL_HEADER_TIMEOUT = Duration.ofSeconds(3);
  public static final Duration DEFAULT_AUTH_CACHE_TTL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_AUTH_NEGATIVE_CACHE_TTL = Duration.ofSeconds(5);
  public static final int DEFAULT_AUTH_CACHE_MAX_ENTRIES = 10_000;
  public static final double DEFAULT_RATE_LIMIT_RPS = 50;
  public static final int DEFAULT_RATE_LIMIT_BURST = 100;
  public static final int DEFAULT_RATE_LIMITER_MAX_TENANTS = 10_000;
  public static final int DEFAULT_DISPATCH_QUEUE_LIMIT = 1024;
  public static final Duration DEFAULT_DISPATCH_QUEUE_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_TENANT_TURN_BATCHES = 4;
  public static final int MAX_TENANT_TURN_BATCHES = 1_000_000;
  public static final Duration DEFAULT_CONTINUE_TIMEOUT = Duration.ofSeconds(2);

  /** Bodies are opaque envelopes; 1 GiB is far above any sane inference request. */
  public static final long MAX_BODY_BYTES_LIMIT = 1024L * 1024 * 1024;

  public RouterOptions {
    Check.notBlank("region", region);
    Check.notBlank("routerId", routerId);
    Check.notBlank("host", host);
    Check.between("port", port, 0, 65535);
    Check.positive("snapshotInterval", snapshotInterval);
    Check.positive("modelRegistryInterval", modelRegistryInterval);
    Check.positive("heartbeatStaleAfter", heartbeatStaleAfter);
    Check.between("maxBodyBytes", maxBodyBytes, 1, MAX_BODY_BYTES_LIMIT);
    Check.positive("connectTimeout", connectTimeout);
    Check.positive("requestTimeout", requestTimeout);
    Check.positive("metricsInterval", metricsInterval);
    Check.positive("metricsTtl", metricsTtl);
    Check.between("ejectAfterConsecutiveFailures", ejectAfterConsecutiveFailures, 1, 1000);
    Check.positive("baseEjectionTime", baseEjectionTime);
    Check.between("maxEjectedPercent", maxEjectedPercent, 0, 100);
    Check.positive("slowStart", slowStart);
    Check.between("proxyProtocolPort", proxyProtocolPort, -1, 65535);
    Check.positive("proxyProtocolHeaderTimeout", proxyProtocolHeaderTimeout);
    Check.positive("authCacheTtl", authCacheTtl);
    Check.positive("authNegativeCacheTtl", authNegativeCacheTtl);
    Check.between("authCacheMaxEntries", authCacheMaxEntries, 1, 10_000_000);
    if (!(defaultRateLimitRps > 0 && defaultRateLimitRps <= 1_000_000)) {
      throw new IllegalArgumentException("defaultRateLimitRps must be between 0 (exclusive) and 1000000, but was "
          + defaultRateLimitRps);
    }
    Check.between("defaultRateLimitBurst", defaultRateLimitBurst, 1, 1_000_000);
    Check.between("rateLimiterMaxTenants", rateLimiterMaxTenants, 1, 10_000_000);
    Check.between("dispatchQueueLimit", dispatchQueueLimit, 0, 1_000_000);
    Check.positive("dispatchQueueTimeout", dispatchQueueTimeout);
    Check.between("tenantTurnBatches", tenantTurnBatches, 1, MAX_TENANT_TURN_BATCHES);
    Check.positive("continueTimeout", continueTimeout);
    java.util.Objects.requireNonNull(ingress, "ingress");
    java.util.Objects.requireNonNull(edge, "edge");
    java.util.Objects.requireNonNull(tls, "tls");
    java.util.Objects.requireNonNull(agentAuth, "agentAuth");
    java.util.Objects.requireNonNull(rateLimits, "rateLimits");
  }

  /** Every default, for {@code region} and {@code routerId}. */
  public static RouterOptions defaults(String region, String routerId) {
    return new RouterOptions(region, routerId, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_SNAPSHOT_INTERVAL,
        DEFAULT_MODEL_REGISTRY_INTERVAL, DEFAULT_HEARTBEAT_STALE_AFTER, DEFAULT_MAX_BODY_BYTES, DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_REQUEST_TIMEOUT, DEFAULT_METRICS_INTERVAL, DEFAULT_METRICS_TTL,
        DEFAULT_EJECT_AFTER_CONSECUTIVE_FAILURES, DEFAULT_BASE_EJECTION_TIME, DEFAULT_MAX_EJECTED_PERCENT,
        DEFAULT_SLOW_START, DEFAULT_ALLOW_PLAINTEXT,
        DEFAULT_PROXY_PROTOCOL_PORT, DEFAULT_PROXY_PROTOCOL_HEADER_TIMEOUT, DEFAULT_AUTH_CACHE_TTL,
        DEFAULT_AUTH_NEGATIVE_CACHE_TTL, DEFAULT_AUTH_CACHE_MAX_ENTRIES, DEFAULT_RATE_LIMIT_RPS,
        DEFAULT_RATE_LIMIT_BURST, DEFAULT_RATE_LIMITER_MAX_TENANTS, DEFAULT_DISPATCH_QUEUE_LIMIT,
        DEFAULT_DISPATCH_QUEUE_TIMEOUT, DEFAULT_TENANT_TURN_BATCHES, DEFAULT_CONTINUE_TIMEOUT, IngressLimits.defaults(),
        EdgeListeners.defaults(),
        ServerTls.none(), PeerAuthOptions.none(), RegionRateLimits.defaults());
  }

  /** The metrics series this router writes. */
  public String metricsSeries() {
    return "router#" + region + "#" + routerId;
  }

  public boolean proxyProtocolEnabled() {
    return proxyProtocolPort != PROXY_PROTOCOL_DISABLED;
  }

  public RouterOptions withHost(String value) {
    return copy(o -> o.host = value);
  }

  public RouterOptions withPort(int value) {
    return copy(o -> o.port = value);
  }

  public RouterOptions withSnapshotInterval(Duration value) {
    return copy(o -> o.snapshotInterval = value);
  }

  public RouterOptions withModelRegistryInterval(Duration value) {
    return copy(o -> o.modelRegistryInterval = value);
  }

  public RouterOptions withHeartbeatStaleAfter(Duration value) {
    return copy(o -> o.heartbeatStaleAfter = value);
  }

  public RouterOptions withMaxBodyBytes(long value) {
    return copy(o -> o.maxBodyBytes = value);
  }

  public RouterOptions withConnectTimeout(Duration value) {
    return copy(o -> o.connectTimeout = value);
  }

  public RouterOptions withRequestTimeout(Duration value) {
    return copy(o -> o.requestTimeout = value);
  }

  public RouterOptions withMetricsInterval(Duration value) {
    return copy(o -> o.metricsInterval = value);
  }

  public RouterOptions withMetricsTtl(Duration value) {
    return copy(o -> o.metricsTtl = value);
  }

  public RouterOptions withEjectAfterConsecutiveFailures(int value) {
    return copy(o -> o.ejectAfterConsecutiveFailures = value);
  }

  public RouterOptions withBaseEjectionTime(Duration value) {
    return copy(o -> o.baseEjectionTime = value);
  }

  public RouterOptions withMaxEjectedPercent(int value) {
    return copy(o -> o.maxEjectedPercent = value);
  }

  public RouterOptions withSlowStart(Duration value) {
    return copy(o -> o.slowStart = value);
  }

  public RouterOptions withAllowPlaintext(boolean value) {
    return copy(o -> o.allowPlaintext = value);
  }

  public RouterOptions withProxyProtocolPort(int value) {
    return copy(o -> o.proxyProtocolPort = value);
  }

  public RouterOptions withProxyProtocolHeaderTimeout(Duration value) {
    return copy(o -> o.proxyProtocolHeaderTimeout = value);
  }

  public RouterOptions withAuthCacheTtl(Duration value) {
    return copy(o -> o.authCacheTtl = value);
  }

  public RouterOptions withAuthNegativeCacheTtl(Duration value) {
    return copy(o -> o.authNegativeCacheTtl = value);
  }

  public RouterOptions withAuthCacheMaxEntries(int value) {
    return copy(o -> o.authCacheMaxEntries = value);
  }

  public RouterOptions withDefaultRateLimitRps(double value) {
    return copy(o -> o.defaultRateLimitRps = value);
  }

  public RouterOptions withDefaultRateLimitBurst(int value) {
    return copy(o -> o.defaultRateLimitBurst = value);
  }

  public RouterOptions withRateLimiterMaxTenants(int value) {
    return copy(o -> o.rateLimiterMaxTenants = value);
  }

  public RouterOptions withDispatchQueueLimit(int value) {
    return copy(o -> o.dispatchQueueLimit = value);
  }

  public RouterOptions withDispatchQueueTimeout(Duration value) {
    return copy(o -> o.dispatchQueueTimeout = value);
  }

  public RouterOptions withTenantTurnBatches(int value) {
    return copy(o -> o.tenantTurnBatches = value);
  }

  public RouterOptions withContinueTimeout(Duration value) {
    return copy(o -> o.continueTimeout = value);
  }

  public RouterOptions withIngress(IngressLimits value) {
    return copy(o -> o.ingress = value);
  }

  public RouterOptions withEdge(EdgeListeners value) {
    return copy(o -> o.edge = value);
  }

  public RouterOptions withTls(ServerTls value) {
    return copy(o -> o.tls = value);
  }

  public RouterOptions withAgentAuth(PeerAuthOptions value) {
    return copy(o -> o.agentAuth = value);
  }

  public RouterOptions withRateLimits(RegionRateLimits value) {
    return copy(o -> o.rateLimits = value);
  }

  private RouterOptions copy(Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return new RouterOptions(f.region, f.routerId, f.host, f.port, f.snapshotInterval, f.modelRegistryInterval,
        f.heartbeatStaleAfter, f.maxBodyBytes, f.connectTimeout, f.requestTimeout, f.metricsInterval, f.metricsTtl,
        f.ejectAfterConsecutiveFailures, f.baseEjectionTime, f.maxEjectedPercent, f.slowStart, f.allowPlaintext,
        f.proxyProtocolPort, f.proxyProtocolHeaderTimeout, f.authCacheTtl, f.authNegativeCacheTtl,
        f.authCacheMaxEntries, f.defaultRateLimitRps, f.defaultRateLimitBurst, f.rateLimiterMaxTenants,
        f.dispatchQueueLimit, f.dispatchQueueTimeout, f.tenantTurnBatches, f.continueTimeout, f.ingress, f.edge, f.tls,
        f.agentAuth, f.rateLimits);
  }

  /** A mutable copy, so that each {@code with*} method names only the field it changes. */
  private static final class Fields {
    String region;
    String routerId;
    String host;
    int port;
    Duration snapshotInterval;
    Duration modelRegistryInterval;
    Duration heartbeatStaleAfter;
    long maxBodyBytes;
    Duration connectTimeout;
    Duration requestTimeout;
    Duration metricsInterval;
    Duration metricsTtl;
    int ejectAfterConsecutiveFailures;
    Duration baseEjectionTime;
    int maxEjectedPercent;
    Duration slowStart;
    boolean allowPlaintext;
    int proxyProtocolPort;
    Duration proxyProtocolHeaderTimeout;
    Duration authCacheTtl;
    Duration authNegativeCacheTtl;
    int authCacheMaxEntries;
    double defaultRateLimitRps;
    int defaultRateLimitBurst;
    int rateLimiterMaxTenants;
    int dispatchQueueLimit;
    Duration dispatchQueueTimeout;
    int tenantTurnBatches;
    Duration continueTimeout;
    IngressLimits ingress;
    EdgeListeners edge;
    ServerTls tls;
    PeerAuthOptions agentAuth;
    RegionRateLimits rateLimits;

    Fields(RouterOptions o) {
      region = o.region;
      routerId = o.routerId;
      host = o.host;
      port = o.port;
      snapshotInterval = o.snapshotInterval;
      modelRegistryInterval = o.modelRegistryInterval;
      heartbeatStaleAfter = o.heartbeatStaleAfter;
      maxBodyBytes = o.maxBodyBytes;
      connectTimeout = o.connectTimeout;
      requestTimeout = o.requestTimeout;
      metricsInterval = o.metricsInterval;
      metricsTtl = o.metricsTtl;
      ejectAfterConsecutiveFailures = o.ejectAfterConsecutiveFailures;
      baseEjectionTime = o.baseEjectionTime;
      maxEjectedPercent = o.maxEjectedPercent;
      slowStart = o.slowStart;
      allowPlaintext = o.allowPlaintext;
      proxyProtocolPort = o.proxyProtocolPort;
      proxyProtocolHeaderTimeout = o.proxyProtocolHeaderTimeout;
      authCacheTtl = o.authCacheTtl;
      authNegativeCacheTtl = o.authNegativeCacheTtl;
      authCacheMaxEntries = o.authCacheMaxEntries;
      defaultRateLimitRps = o.defaultRateLimitRps;
      defaultRateLimitBurst = o.defaultRateLimitBurst;
      rateLimiterMaxTenants = o.rateLimiterMaxTenants;
      dispatchQueueLimit = o.dispatchQueueLimit;
      dispatchQueueTimeout = o.dispatchQueueTimeout;
      tenantTurnBatches = o.tenantTurnBatches;
      continueTimeout = o.continueTimeout;
      ingress = o.ingress;
      edge = o.edge;
      tls = o.tls;
      agentAuth = o.agentAuth;
      rateLimits = o.rateLimits;
    }
  }
}
