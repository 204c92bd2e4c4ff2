package io.mrgc.router;

import io.mrgc.router.metrics.MetricsPublisher;
import io.mrgc.router.metrics.MetricsWindow;
import io.mrgc.router.metrics.RouterMetrics;
import io.mrgc.router.pick.InFlightTracker;
import io.mrgc.router.pick.OutlierDetector;
import io.mrgc.router.pick.Picker;
import io.mrgc.router.proxy.ProxyHandler;
import io.mrgc.router.snapshot.RegionSnapshot;
import io.mrgc.router.snapshot.SnapshotPoller;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.MetricsRepository;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.util.Random;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The regional L7 router: polls the region's gpu_instances snapshot, picks an instance per request (fail-open
 * filters, power of two choices on the 50/30/20 score with own in-flight counts), streams requests to it, and
 * serves {@code /healthz}, {@code /healthz/region} and {@code /metrics}. Every other path is proxied.
 *
 * <p>{@link #start()} completes once the server listens and the first snapshot attempt has finished (successful or
 * not: a router with no snapshot yet still starts, answers 503 no_capacity and reports itself not serving).
 */
public final class RouterVerticle extends VerticleBase {
  public static final String HEALTHZ = "/healthz";
  public static final String HEALTHZ_REGION = "/healthz/region";
  public static final String METRICS = "/metrics";

  /** Connections kept per instance; generous so requests rarely queue for a pooled connection. */
  static final int MAX_CONNECTIONS_PER_INSTANCE = 512;

  private final RouterOptions options;
  private final StateClient state;
  private final LongSupplier clockMillis = System::currentTimeMillis;
  private Picker picker;
  private OutlierDetector outliers;
  private InFlightTracker inFlight;
  private SnapshotPoller poller;
  private MetricsPublisher publisher;
  private RouterMetrics metrics;
  private HttpClientAgent client;
  private HttpServer server;

  public RouterVerticle(RouterOptions options, StateClient state) {
    this.options = Objects.requireNonNull(options, "options");
    this.state = Objects.requireNonNull(state, "state");
  }

  @Override
  public Future<?> start() {
    inFlight = new InFlightTracker();
    outliers = new OutlierDetector(options.ejectAfterConsecutiveFailures(), options.baseEjectionTime(),
        options.maxEjectedPercent(), clockMillis);
    picker = new Picker(options.heartbeatStaleAfter(), options.slowStart(), inFlight, outliers, new Random(),
        clockMillis);
    poller = new SnapshotPoller(vertx, options.region(), new GpuInstanceRepository(state),
        new RoutingStateRepository(state), options.snapshotInterval(), clockMillis);
    MetricsWindow window = new MetricsWindow(clockMillis.getAsLong());
    metrics = new RouterMetrics(options.region(), poller::ageSeconds, window);
    outliers.onEjection(metrics::ejection);
    poller.onUpdate(snapshot -> outliers.fleetSize(snapshot.backends().size()));
    publisher = new MetricsPublisher(vertx, new MetricsRepository(state), window, options.metricsSeries(),
        options.region(), options.metricsInterval(), options.metricsTtl(), clockMillis);

    client = vertx.createHttpClient(new HttpClientOptions()
            .setKeepAlive(true)
            .setConnectTimeout((int) options.connectTimeout().toMillis()),
        new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS_PER_INSTANCE));
    ProxyHandler proxy = new ProxyHandler(client, picker, outliers, metrics, poller::current, options);
    server = vertx.createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(options.port()))
        .requestHandler(request -> route(request, proxy));

    return poller.start()
        .compose(firstPollDone -> server.listen())
        .onSuccess(listening -> publisher.start());
  }

  @Override
  public Future<?> stop() {
    poller.stop();
    publisher.stop();
    return server.close().eventually(() -> client.close());
  }

  /** The port the router listens on (resolves port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  public RouterOptions options() {
    return options;
  }

  /** The pick logic, for tests and diagnostics. */
  public Picker picker() {
    return picker;
  }

  public OutlierDetector outliers() {
    return outliers;
  }

  public RegionSnapshot snapshot() {
    return poller.current();
  }

  public double snapshotAgeSeconds() {
    return poller.ageSeconds();
  }

  public RouterMetrics metrics() {
    return metrics;
  }

  private void route(HttpServerRequest request, ProxyHandler proxy) {
    switch (request.path()) {
      case HEALTHZ -> json(request, 200, new JsonObject().put("status", "alive"));
      case HEALTHZ_REGION -> {
        RegionHealth health = RegionHealth.of(options.region(), poller.current(), poller.ageSeconds(), picker);
        json(request, health.canServe() ? 200 : 503, health.toJson());
      }
      case METRICS -> request.response()
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
          .end(metrics.scrape());
      default -> proxy.handle(request);
    }
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body.encode());
  }
}
