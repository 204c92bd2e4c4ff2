package io.mrgc.router;

import io.mrgc.common.Check;
import java.time.Duration;

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
 * @param heartbeatStaleAfter an instance whose heartbeat is older is filtered out (fail-open)
 * @param maxBodyBytes largest request body forwarded; larger ones get 413
 * @param connectTimeout time to get a connection to an instance; past it the request is retried elsewhere
 * @param requestTimeout longest silence from the instance (no response byte) before the request fails as a timeout
 * @param metricsInterval window of each metrics row written to the metrics table
 * @param metricsTtl how long those rows live (DynamoDB TTL)
 * @param ejectAfterConsecutiveFailures 5xx/timeouts in a row that eject an instance
 * @param baseEjectionTime first ejection's length; the k-th recent one lasts k times this
 * @param maxEjectedPercent largest share of the fleet ejected at once (at least one instance may always be)
 * @param slowStart window after an instance's start during which its score is scaled down
 */
public record RouterOptions(String region, String routerId, String host, int port, Duration snapshotInterval,
    Duration heartbeatStaleAfter, long maxBodyBytes, Duration connectTimeout, Duration requestTimeout,
    Duration metricsInterval, Duration metricsTtl, int ejectAfterConsecutiveFailures, Duration baseEjectionTime,
    int maxEjectedPercent, Duration slowStart) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 0;
  public static final Duration DEFAULT_SNAPSHOT_INTERVAL = Duration.ofSeconds(1);
  public static final Duration DEFAULT_HEARTBEAT_STALE_AFTER = Duration.ofSeconds(3);
  public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_METRICS_INTERVAL = Duration.ofSeconds(10);
  public static final Duration DEFAULT_METRICS_TTL = Duration.ofHours(24);
  public static final int DEFAULT_EJECT_AFTER_CONSECUTIVE_FAILURES = 5;
  public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_EJECTED_PERCENT = 10;
  public static final Duration DEFAULT_SLOW_START = Duration.ofSeconds(30);

  /** Bodies are opaque envelopes; 1 GiB is far above any sane inference request. */
  public static final long MAX_BODY_BYTES_LIMIT = 1024L * 1024 * 1024;

  public RouterOptions {
    Check.notBlank("region", region);
    Check.notBlank("routerId", routerId);
    Check.notBlank("host", host);
    Check.between("port", port, 0, 65535);
    Check.positive("snapshotInterval", snapshotInterval);
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
  }

  /** Every default, for {@code region} and {@code routerId}. */
  public static RouterOptions defaults(String region, String routerId) {
    return new RouterOptions(region, routerId, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_SNAPSHOT_INTERVAL,
        DEFAULT_HEARTBEAT_STALE_AFTER, DEFAULT_MAX_BODY_BYTES, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_METRICS_INTERVAL, DEFAULT_METRICS_TTL, DEFAULT_EJECT_AFTER_CONSECUTIVE_FAILURES,
        DEFAULT_BASE_EJECTION_TIME, DEFAULT_MAX_EJECTED_PERCENT, DEFAULT_SLOW_START);
  }

  /** The metrics series this router writes. */
  public String metricsSeries() {
    return "router#" + region + "#" + routerId;
  }

  public RouterOptions withHost(String value) {
    return new RouterOptions(region, routerId, value, port, snapshotInterval, heartbeatStaleAfter, maxBodyBytes,
        connectTimeout, requestTimeout, metricsInterval, metricsTtl, ejectAfterConsecutiveFailures, baseEjectionTime,
        maxEjectedPercent, slowStart);
  }

  public RouterOptions withPort(int value) {
    return new RouterOptions(region, routerId, host, value, snapshotInterval, heartbeatStaleAfter, maxBodyBytes,
        connectTimeout, requestTimeout, metricsInterval, metricsTtl, ejectAfterConsecutiveFailures, baseEjectionTime,
        maxEjectedPercent, slowStart);
  }

  public RouterOptions withSnapshotInterval(Duration value) {
    return new RouterOptions(region, routerId, host, port, value, heartbeatStaleAfter, maxBodyBytes,
        connectTimeout, requestTimeout, metricsInterval, metricsTtl, ejectAfterConsecutiveFailures, baseEjectionTime,
        maxEjectedPercent, slowStart);
  }

  public RouterOptions withHeartbeatStaleAfter(Duration value) {
    return new RouterOptions(region, routerId, host, port, snapshotInterval, value, maxBodyBytes,
        connectTimeout, requestTimeout, metricsInterval, metricsTtl, ejectAfterConsecutiveFailures, baseEjectionTime,
        maxEjectedPercent, slowStart);
  }

  public RouterOptions withMaxBodyBytes(long value) {
    return new RouterOptions(region, routerId, host, port, snapshotInterval, heartbeatStaleAfter, value,
        connectTimeout, requestTimeout, metricsInterval, metricsTtl, ejectAfterConsecutiveFailures, baseEjectionTime,
        maxEjectedPercent, slowStart);
  }

  public RouterOptions withConnectTimeout(Duration value) {
    return new RouterOptions(region, routerId, host, port, snapshotInterval, heartbeatStaleAfter, maxBodyBytes,
        value, requestTimeout, metricsInterval, metricsTtl, ejectAfterConsecutiveFailures, baseEjectionTime,
        maxEjectedPercent, slowStart);
  }

  public RouterOptions withRequestTimeout(Duration value) {
    return new RouterOptions(region, routerId, host, port, snapshotInterval, heartbeatStaleAfter, maxBodyBytes,
        connectTimeout, value, metricsInterval, metricsTtl, ejectAfterConsecutiveFailures, baseEjectionTime,
        maxEjectedPercent, slowStart);
  }

  public RouterOptions withMetricsInterval(Duration value) {
    return new RouterOptions(region, routerId, host, port, snapshotInterval, heartbeatStaleAfter, maxBodyBytes,
        connectTimeout, requestTimeout, value, metricsTtl, ejectAfterConsecutiveFailures, baseEjectionTime,
        maxEjectedPercent, slowStart);
  }

  public RouterOptions withMetricsTtl(Duration value) {
    return new RouterOptions(region, routerId, host, port, snapshotInterval, heartbeatStaleAfter, maxBodyBytes,
        connectTimeout, requestTimeout, metricsInterval, value, ejectAfterConsecutiveFailures, baseEjectionTime,
        maxEjectedPercent, slowStart);
  }

  public RouterOptions withEjectAfterConsecutiveFailures(int value) {
    return new RouterOptions(region, routerId, host, port, snapshotInterval, heartbeatStaleAfter, maxBodyBytes,
        connectTimeout, requestTimeout, metricsInterval, metricsTtl, value, baseEjectionTime, maxEjectedPercent,
        slowStart);
  }

  public RouterOptions withBaseEjectionTime(Duration value) {
    return new RouterOptions(region, routerId, host, port, snapshotInterval, heartbeatStaleAfter, maxBodyBytes,
        connectTimeout, requestTimeout, metricsInterval, metricsTtl, ejectAfterConsecutiveFailures, value,
        maxEjectedPercent, slowStart);
  }

  public RouterOptions withMaxEjectedPercent(int value) {
    return new RouterOptions(region, routerId, host, port, snapshotInterval, heartbeatStaleAfter, maxBodyBytes,
        connectTimeout, requestTimeout, metricsInterval, metricsTtl, ejectAfterConsecutiveFailures, baseEjectionTime,
        value, slowStart);
  }

  public RouterOptions withSlowStart(Duration value) {
    return new RouterOptions(region, routerId, host, port, snapshotInterval, heartbeatStaleAfter, maxBodyBytes,
        connectTimeout, requestTimeout, metricsInterval, metricsTtl, ejectAfterConsecutiveFailures, baseEjectionTime,
        maxEjectedPercent, value);
  }
}
