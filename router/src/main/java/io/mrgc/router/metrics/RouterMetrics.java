package io.mrgc.router.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;

/**
 * The router's Prometheus metrics (served on /metrics) and the current window for the metrics table. Names as
 * exported: {@code mrgc_router_requests_total{status_class}}, {@code mrgc_router_request_duration_seconds},
 * {@code mrgc_router_upstream_latency_seconds}, {@code mrgc_router_retries_total{reason}},
 * {@code mrgc_router_ejections_total{instance}}, {@code mrgc_router_dispatches_total{instance}} (per-instance
 * dispatch share), {@code mrgc_router_fail_open_picks_total}, {@code mrgc_router_snapshot_age_seconds},
 * {@code mrgc_router_rejections_total{code}} (requests refused before forwarding: by the tenant gate, before their
 * body was complete, or for a model no instance advertises); exclusive dispatch:
 * {@code mrgc_router_queue_waits_total}, {@code mrgc_router_queue_wait_seconds}, {@code mrgc_router_queue_depth},
 * {@code mrgc_router_queue_rejections_total{reason}} (full, timeout),
 * {@code mrgc_router_refusals_total{instance,reason}}, {@code mrgc_router_holds_total{state}},
 * {@code mrgc_router_held_instances}; regional rate limits: {@code mrgc_router_rate_limit_leases_total{outcome}},
 * {@code mrgc_router_rate_limit_fallback_decisions_total{decision}}, {@code mrgc_router_rate_limit_fallback},
 * {@code mrgc_router_rate_limit_live_routers}.
 *
 * <p>What routers of one region cannot know of each other shows in two counters: an instance's refusals
 * ({@code reason} = the agent's code: {@code instance_not_ready}, or {@code overloaded} when its admission bound is
 * full, i.e. another router got there first) and the retries they cause ({@code mrgc_router_retries_total} with
 * {@code reason} = the refusal's code, or {@value #RETRY_CONNECT_FAILED} / {@value #RETRY_UNANSWERED_HEAD}).
 */
public final class RouterMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final MetricsWindow window;
  private final Timer requestDuration;
  private final Timer upstreamLatency;
  /** Retry reason: the instance could not be connected to. */
  public static final String RETRY_CONNECT_FAILED = "connect_failed";
  /** Retry reason: the instance answered nothing to the request's head in time (taken for hung). */
  public static final String RETRY_UNANSWERED_HEAD = "unanswered_head";
  private final Counter failOpenPicks;
  private final Counter queueWaits;
  private final Timer queueWait;

  public RouterMetrics(String region, DoubleSupplier snapshotAgeSeconds, MetricsWindow window) {
    this.window = window;
    registry.config().commonTags("region", region);
    requestDuration = Timer.builder("mrgc.router.request.duration")
        .description("Time from request arrival to the end of the response, as the router saw it")
        .publishPercentileHistogram().maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
    upstreamLatency = Timer.builder("mrgc.router.upstream.latency")
        .description("Time from dispatch to the instance's response head")
        .publishPercentileHistogram().maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
    failOpenPicks = Counter.builder("mrgc.router.fail.open.picks")
        .description("Picks made from the unfiltered snapshot because no instance passed the filters")
        .register(registry);
    Gauge.builder("mrgc.router.snapshot.age.seconds", snapshotAgeSeconds::getAsDouble)
        .description("Seconds since the last successful gpu_instances read").register(registry);
    queueWaits = Counter.builder("mrgc.router.queue.waits")
        .description("Requests that waited for a free instance (every candidate was busy or held)")
        .register(registry);
    queueWait = Timer.builder("mrgc.router.queue.wait")
        .description("Time requests spent waiting for a free instance, recorded when they stop waiting")
        .publishPercentileHistogram().maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
  }

  /** Gauges of the dispatch queue's length and of the instances held after a non-READY report. */
  public void watch(IntSupplier queueDepth, IntSupplier heldInstances) {
    Gauge.builder("mrgc.router.queue.depth", queueDepth::getAsInt)
        .description("Requests waiting for a free instance now").register(registry);
    Gauge.builder("mrgc.router.held.instances", heldInstances::getAsInt)
        .description("Instances held out of the candidates until a newer heartbeat shows them routable")
        .register(registry);
  }

  /** Gauge of the request body bytes the router buffers now (bodies are buffered whole before a pick). */
  public void watchBodyBuffer(java.util.function.LongSupplier bufferedBytes) {
    Gauge.builder("mrgc.router.body.buffered.bytes", () -> (double) bufferedBytes.getAsLong())
        .description("Request body bytes buffered now, waiting to be complete or for an instance").register(registry);
  }

  /** A request body that did not arrive within the body deadline (408 body_timeout). */
  public void bodyTimeout() {
    Counter.builder("mrgc.router.body.timeouts").description("Request bodies not complete within the body deadline")
        .register(registry).increment();
  }

  public double bodyTimeouts() {
    Counter counter = registry.find("mrgc.router.body.timeouts").counter();
    return counter == null ? 0 : counter.count();
  }

  /** A finished exchange with the router's final status (including the router's own 4xx/5xx answers). */
  public void request(int status, long durationNanos) {
    Counter.builder("mrgc.router.requests").tag("status_class", (status / 100) + "xx").register(registry)
        .increment();
    requestDuration.record(Duration.ofNanos(durationNanos));
    window.record(status, durationNanos / 1_000_000.0);
  }

  /**
   * A request refused before forwarding: by the tenant gate (401, 403, 400, 415, 429, 503 auth_unavailable), or
   * before its body was complete (408 body_timeout, 413, 429 body_buffer_full, 503 router_busy, 499), or for a model
   * that no instance of the region advertises (404 model_not_found, 503 model_loading). It counts
   * in {@code mrgc_router_requests_total} and the duration histogram, but not in the metrics-table window: those rows
   * size GPU capacity, which refused requests do not use. {@code code} is one of a fixed set of error codes.
   */
  public void rejected(String code, int status, long durationNanos) {
    Counter.builder("mrgc.router.requests").tag("status_class", (status / 100) + "xx").register(registry)
        .increment();
    Counter.builder("mrgc.router.rejections").tag("code", code).register(registry).increment();
    requestDuration.record(Duration.ofNanos(durationNanos));
  }

  public double rejections(String code) {
    Counter counter = registry.find("mrgc.router.rejections").tag("code", code).counter();
    return counter == null ? 0 : counter.count();
  }

  public void upstreamLatency(long nanos) {
    upstreamLatency.record(Duration.ofNanos(nanos));
  }

  /**
   * A request sent again to another instance (or back into the wait for one) with nothing of it sent before:
   * {@code reason} is {@value #RETRY_CONNECT_FAILED}, {@value #RETRY_UNANSWERED_HEAD} or a refusal's code (a fixed
   * set).
   */
  public void retry(String reason) {
    Counter.builder("mrgc.router.retries").description("Requests sent again elsewhere, by what made them go")
        .tag("reason", reason).register(registry).increment();
  }

  public void failOpen() {
    failOpenPicks.increment();
  }

  public void queued() {
    queueWaits.increment();
  }

  public void queueWait(long nanos) {
    queueWait.record(Duration.ofNanos(nanos));
  }

  /** A request answered 503 because the queue was full ({@code full}) or it waited too long ({@code timeout}). */
  public void queueRejected(String reason) {
    Counter.builder("mrgc.router.queue.rejections").tag("reason", reason).register(registry).increment();
  }

  /**
   * The instance refused a dispatch before its body: retried elsewhere, not ejected. {@code reason} is the agent's
   * code: {@code instance_not_ready} (503 with its state) or {@code overloaded} (429: full with another router's
   * requests).
   */
  public void refusal(String instanceId, String reason) {
    Counter.builder("mrgc.router.refusals").description("Dispatches an instance refused before their body")
        .tag("instance", instanceId).tag("reason", reason).register(registry).increment();
  }

  /** The instance answered nothing to a request's head in time (hung): ejected, the request went elsewhere. */
  public void noAnswerToHead(String instanceId) {
    Counter.builder("mrgc.router.unanswered.heads").tag("instance", instanceId).register(registry).increment();
  }

  public double unansweredHeads(String instanceId) {
    Counter counter = registry.find("mrgc.router.unanswered.heads").tag("instance", instanceId).counter();
    return counter == null ? 0 : counter.count();
  }

  /** An instance held after it reported {@code state}: an InstanceState name, UNKNOWN or OTHER (bounded set). */
  public void hold(String state) {
    Counter.builder("mrgc.router.holds").tag("state", state).register(registry).increment();
  }

  public double queueWaits() {
    return queueWaits.count();
  }

  public double queueRejections(String reason) {
    Counter counter = registry.find("mrgc.router.queue.rejections").tag("reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }

  /** Refusals by the instance, of any reason. */
  public double refusals(String instanceId) {
    return sum(registry.find("mrgc.router.refusals").tag("instance", instanceId).counters());
  }

  /** Refusals by every instance with {@code reason}. */
  public double refusalsFor(String reason) {
    return sum(registry.find("mrgc.router.refusals").tag("reason", reason).counters());
  }

  public void ejection(String instanceId) {
    Counter.builder("mrgc.router.ejections").tag("instance", instanceId).register(registry).increment();
  }

  /**
   * Instance ids are bounded by the region's fleet size (at most 20), so the tag stays small; series of instances
   * that left are removed ({@link #retainInstances}).
   */
  public void dispatch(String instanceId) {
    Counter.builder("mrgc.router.dispatches").tag("instance", instanceId).register(registry).increment();
  }

  public double dispatches(String instanceId) {
    Counter counter = registry.find("mrgc.router.dispatches").tag("instance", instanceId).counter();
    return counter == null ? 0 : counter.count();
  }

  /** Retries of every reason. */
  public double retries() {
    return sum(registry.find("mrgc.router.retries").counters());
  }

  public double retries(String reason) {
    return sum(registry.find("mrgc.router.retries").tag("reason", reason).counters());
  }

  private static double sum(java.util.Collection<Counter> counters) {
    return counters.stream().mapToDouble(Counter::count).sum();
  }

  /**
   * Removes the per-instance series (tag {@code instance}) of instances that left the snapshot, so the scrape and the
   * registry hold only the region's current instances however many came and went.
   */
  public void retainInstances(Set<String> instanceIds) {
    for (Meter meter : List.copyOf(registry.getMeters())) {
      String instance = meter.getId().getTag("instance");
      if (instance != null && !instanceIds.contains(instance)) {
        registry.remove(meter);
      }
    }
  }

  /**
   * Gauges of the regional rate limiter: {@code mrgc_router_rate_limit_fallback} (1 while this router limits tenants
   * alone because the rate_limits table cannot be reached) and {@code mrgc_router_rate_limit_live_routers} (the N
   * that the fallback divides by).
   */
  public void watchRateLimits(java.util.function.BooleanSupplier inFallback, IntSupplier liveRouters) {
    Gauge.builder("mrgc.router.rate.limit.fallback", () -> inFallback.getAsBoolean() ? 1 : 0)
        .description("1 while tenants are rate limited by this router alone (rate_limits table unreachable)")
        .register(registry);
    Gauge.builder("mrgc.router.rate.limit.live.routers", liveRouters::getAsInt)
        .description("Routers of the region with recent metrics rows (the fallback's share is 1/N)")
        .register(registry);
  }

  /** A lease from the regional bucket: {@code granted}, {@code exhausted} (bucket empty) or {@code failed}. */
  public void rateLimitLease(String outcome) {
    Counter.builder("mrgc.router.rate.limit.leases").description("Token leases taken from the regional bucket")
        .tag("outcome", outcome).register(registry).increment();
  }

  public double rateLimitLeases(String outcome) {
    Counter counter = registry.find("mrgc.router.rate.limit.leases").tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  /** A request decided by the local fallback limit (the table unreachable): {@code allowed} or {@code limited}. */
  public void rateLimitFallbackDecision(boolean allowed) {
    Counter.builder("mrgc.router.rate.limit.fallback.decisions")
        .description("Requests rate limited by this router alone while the rate_limits table was unreachable")
        .tag("decision", allowed ? "allowed" : "limited").register(registry).increment();
  }

  public double rateLimitFallbackDecisions(String decision) {
    Counter counter = registry.find("mrgc.router.rate.limit.fallback.decisions").tag("decision", decision).counter();
    return counter == null ? 0 : counter.count();
  }

  public String scrape() {
    return registry.scrape();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }
}
