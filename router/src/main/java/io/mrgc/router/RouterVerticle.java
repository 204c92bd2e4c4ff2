package io.mrgc.router;

import io.mrgc.common.ApiErrors;
import io.mrgc.common.RequestIds;
import io.mrgc.router.metrics.LiveRouters;
import io.mrgc.common.net.HttpListenerGuard;
import io.mrgc.router.metrics.MetricsPublisher;
import io.mrgc.router.metrics.MetricsWindow;
import io.mrgc.router.metrics.RouterMetrics;
import io.mrgc.router.pick.Backend;
import io.mrgc.router.pick.InFlightTracker;
import io.mrgc.router.pick.InstanceHolds;
import io.mrgc.router.pick.OutlierDetector;
import io.mrgc.router.pick.Picker;
import io.mrgc.router.ppv2.ProxiedConnections;
import io.mrgc.router.ppv2.ProxyProtocolFront;
import io.mrgc.router.ppv2.TrustedPeers;
import io.mrgc.router.proxy.ProxyHandler;
import io.mrgc.common.net.VertxRuntime;
import io.mrgc.router.security.AuthFailures;
import io.mrgc.router.security.RegionRateLimiter;
import io.mrgc.router.security.TenantAuthenticator;
import io.mrgc.router.security.TenantGate;
import io.mrgc.router.snapshot.ModelRegistryPoller;
import io.mrgc.router.snapshot.RegionSnapshot;
import io.mrgc.router.snapshot.SnapshotPoller;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.MetricsRepository;
import io.mrgc.state.ModelCatalog;
import io.mrgc.state.ModelRegistry;
import io.mrgc.state.RateLimitRepository;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.StateClient;
import io.mrgc.state.TenantRepository;
import io.mrgc.wire.ErrorCode;
import io.mrgc.wire.Headers;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The regional L7 router: polls the region's gpu_instances snapshot, picks an instance per request (fail-open
 * filters, power of two choices on the 50/30/20 score with own in-flight counts) and streams requests to it.
 *
 * <p>The tenant listener serves what tenants and the load balancer need, nothing more: {@code /healthz}, and
 * {@code /healthz/region} as a status code with {@code {"status":...}} (Global Accelerator health-checks it); the
 * tenant APIs ({@code /v1/...}, {@code /v2...}) go through the {@link TenantGate} (canonical path, API key, VPC
 * endpoint allowlist, rate limit, model allowlist, encrypted bodies) and are proxied; every other path is 404.
 * The tenant listener speaks TLS 1.2+ when {@link RouterOptions#tls()} has a certificate.
 * The admin listener ({@link EdgeListeners#adminHost()}, loopback or VPC-only) serves {@code /metrics},
 * {@code /healthz} and {@code /healthz/region} with its details (counts, failover state, the Vert.x transport: epoll
 * or nio) for on-call and the failover
 * controllers. With {@link RouterOptions#proxyProtocolPort()} set, a third listener on
 * {@link EdgeListeners#proxyProtocolHost()} takes PROXY protocol v2 connections from the trusted networks only (the
 * PrivateLink NLB) and relays them to the tenant listener ({@link ProxyProtocolFront}).
 *
 * <p>{@link #start()} completes once the server listens and the first snapshot and model registry reads have finished
 * (successful or not: a router with no snapshot yet still starts, answers 503 no_capacity and reports itself not
 * serving; one without the registry answers a model no instance advertises with 503 no_capacity, see
 * {@code proxy.UnservedModel}).
 */
public final class RouterVerticle extends VerticleBase {
  public static final String HEALTHZ = "/healthz";
  public static final String HEALTHZ_REGION = "/healthz/region";
  public static final String METRICS = "/metrics";
  /** Admin listener: the process answers (ECS restarts the task when it does not). */
  public static final String LIVEZ = "/livez";
  /** Admin listener: 200 once started with a snapshot and until a drain begins, else 503. */
  public static final String READYZ = "/readyz";

  /**
   * Connections kept per instance. An instance takes up to its batch slots of one tenant's requests at once (at most
   * {@link Backend#MAX_BATCH_SLOTS}), each on its own connection; the 8 more cover connections still closing after a
   * refusal or a reset. Connections open only as needed.
   */
  static final int MAX_CONNECTIONS_PER_INSTANCE = Backend.MAX_BATCH_SLOTS + 8;

  private final RouterOptions options;
  private final StateClient state;
  private final LongSupplier clockMillis = System::currentTimeMillis;
  private Picker picker;
  private OutlierDetector outliers;
  private InFlightTracker inFlight;
  private InstanceHolds holds;
  private ProxyHandler proxy;
  private SnapshotPoller poller;
  private ModelRegistryPoller modelRegistry;
  private MetricsPublisher publisher;
  private RouterMetrics metrics;
  private HttpClientAgent client;
  private HttpServer server;
  private HttpServer admin;
  private TenantAuthenticator authenticator;
  private RegionRateLimiter limiter;
  private LiveRouters liveRouters;
  private final ProxiedConnections proxied = new ProxiedConnections();
  private ProxyProtocolFront proxyFront;
  private HttpListenerGuard listenerGuard;
  private HttpListenerGuard adminGuard;
  private final TenantDrain drain = new TenantDrain();
  private volatile boolean started;

  public RouterVerticle(RouterOptions options, StateClient state) {
    this.options = Objects.requireNonNull(options, "options");
    this.state = Objects.requireNonNull(state, "state");
  }

  @Override
  public Future<?> start() {
    inFlight = new InFlightTracker();
    outliers = new OutlierDetector(options.ejectAfterConsecutiveFailures(), options.baseEjectionTime(),
        options.maxEjectedPercent(), clockMillis);
    holds = new InstanceHolds(clockMillis);
    picker = new Picker(options.heartbeatStaleAfter(), options.slowStart(), options.tenantTurnBatches(), inFlight,
        outliers, holds, new Random(), clockMillis);
    poller = new SnapshotPoller(vertx, options.region(), new GpuInstanceRepository(state),
        new RoutingStateRepository(state), options.snapshotInterval(), clockMillis);
    modelRegistry = new ModelRegistryPoller(vertx, new ModelRegistry(state), options.modelRegistryInterval());
    MetricsWindow window = new MetricsWindow(clockMillis.getAsLong());
    metrics = new RouterMetrics(options.region(), poller::ageSeconds, window);
    outliers.onEjection(metrics::ejection);
    publisher = new MetricsPublisher(vertx, new MetricsRepository(state), window, options.metricsSeries(),
        options.region(), options.metricsInterval(), options.metricsTtl(), clockMillis);

    client = vertx.createHttpClient(new HttpClientOptions()
            .setKeepAlive(true)
            .setConnectTimeout((int) options.connectTimeout().toMillis()),
        new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS_PER_INSTANCE));
    proxy = new ProxyHandler(vertx, client, picker, outliers, holds, metrics, poller::current,
        modelRegistry::catalog, options);
    metrics.watch(proxy::waiting, holds::heldCount);
    inFlight.onEnd(proxy::wake);
    metrics.watchBodyBuffer(proxy::bufferedBodyBytes);
    poller.onUpdate(snapshot -> {
      outliers.fleetSize(snapshot.backends().size());
      holds.update(snapshot.backends());
      forgetGoneInstances(snapshot);
      proxy.wake(); // held instances may be back, and rows changed
    });
    TenantRepository tenants = new TenantRepository(state);
    IngressLimits ingress = options.ingress();
    authenticator = new TenantAuthenticator(context, tenants::findByApiKeyHash, options.authCacheTtl(),
        options.authNegativeCacheTtl(), options.authCacheMaxEntries(), System::nanoTime,
        new AuthFailures(ingress.authFailuresPerSecond(), ingress.authFailureBurst(), ingress.authFailureTrackedKeys(),
            System::nanoTime),
        ingress.authLookupsPerSource(), ingress.authLookupSources());
    liveRouters = new LiveRouters(vertx, new MetricsRepository(state), options.region(), options.metricsSeries(),
        options.metricsInterval(), clockMillis);
    limiter = new RegionRateLimiter(context, options.region(), new RateLimitRepository(state)::lease,
        options.rateLimits(), options.rateLimiterMaxTenants(), liveRouters::count, metrics, System::nanoTime,
        () -> clockMillis.getAsLong() * 1000);
    TenantGate gate = new TenantGate(options, authenticator, limiter, proxied, metrics, proxy);
    // HTTP/1.1 only: the proxy relies on one request per connection at a time (a refusal or an unread body closes
    // the connection), so a client's h2c upgrade is ignored rather than multiplexing streams over one connection.
    // Header-read, idle and per-request deadlines and a connection cap (issue #10, finding 2), on both listeners.
    listenerGuard = new HttpListenerGuard(vertx, ingress.listener());
    HttpServerOptions listener = listenerGuard.serverOptions(new HttpServerOptions().setHost(options.host())
        .setPort(options.port()).setHttp2ClearTextEnabled(false));
    adminGuard = new HttpListenerGuard(vertx, ingress.listener());
    admin = adminGuard.install(vertx.createHttpServer(adminGuard.serverOptions(new HttpServerOptions()
            .setHost(options.edge().adminHost()).setPort(options.edge().adminPort())
            .setHttp2ClearTextEnabled(false))), this::routeAdmin);

    // TLS certificate and key are read and checked off the event loop before anything starts: a bad file fails the
    // start with a message naming it. The PROXY v2 relay passes the tenant's TLS bytes through to this listener.
    return vertx.executeBlocking(() -> options.tls().applyTo(listener))
        .compose(checked -> {
          server = listenerGuard.install(vertx.createHttpServer(listener), request -> route(request, gate));
          return Future.join(poller.start(), modelRegistry.start());
        })
        .compose(firstPollDone -> server.listen())
        .compose(listening -> admin.listen())
        .compose(listening -> startProxyFront())
        .onSuccess(listening -> {
          publisher.start();
          liveRouters.start();
          started = true;
        });
  }

  private Future<?> startProxyFront() {
    if (!options.proxyProtocolEnabled()) {
      return Future.succeededFuture();
    }
    proxyFront = new ProxyProtocolFront(vertx, options.edge().proxyProtocolHost(), options.proxyProtocolPort(),
        options.proxyProtocolHeaderTimeout(), loopbackTarget(options.host()), server::actualPort, proxied,
        new TrustedPeers(options.edge().proxyProtocolTrustedCidrs()), options.ingress().listener());
    return proxyFront.listen();
  }

  /** Where the PROXY v2 front connects: the HTTP server's own address, or loopback when it listens on all. */
  private static String loopbackTarget(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") ? "127.0.0.1" : host;
  }

  /**
   * Drops what this router keeps per instance for instances that left the snapshot (holds are dropped by
   * {@link InstanceHolds#update}), so scaling churn never grows its maps or its metric series.
   */
  private void forgetGoneInstances(RegionSnapshot snapshot) {
    Set<String> present = new HashSet<>();
    snapshot.backends().forEach(backend -> present.add(backend.instanceId()));
    inFlight.retain(present);
    outliers.retain(present);
    metrics.retainInstances(present);
  }

  @Override
  public Future<?> stop() {
    listenerGuard.close();
    adminGuard.close();
    poller.stop();
    modelRegistry.stop();
    publisher.stop();
    liveRouters.stop();
    Future<Void> front = proxyFront == null ? Future.succeededFuture() : proxyFront.close();
    Future<Void> closed = server == null ? front : front.eventually(() -> server.close());
    return closed.eventually(() -> admin == null ? Future.succeededFuture() : admin.close())
        .eventually(() -> client.close());
  }

  /**
   * Whether this router should get new tenant connections: started, with a snapshot of its region (a router that
   * never read one could only answer 503), and not draining. What {@code /readyz} answers.
   */
  public boolean ready() {
    return started && poller.current().loaded() && !drain.draining();
  }

  /** The tenant requests in progress and the drain state. */
  public TenantDrain drain() {
    return drain;
  }

  /**
   * Starts the drain before a stop: {@code /readyz} and the tenant listener's health endpoints answer 503 from now
   * on (load balancers and the front door stop sending new connections), and every answer carries
   * {@code Connection: close}. Connections still open {@code closeWithin} from now are closed then.
   */
  public Future<Void> beginDrain(Duration closeWithin) {
    Promise<Void> begun = Promise.promise();
    context.runOnContext(v -> {
      drain.begin(closeWithin.toMillis());
      begun.complete();
    });
    return begun.future();
  }

  /**
   * Closes the tenant listeners to new connections (the PROXY v2 one included); open connections close after the
   * request they carry, all of them at {@code timeout} at the latest. Completes when they are all closed.
   */
  public Future<Void> closeListeners(Duration timeout) {
    long millis = timeout.toMillis();
    Future<Void> front = proxyFront == null ? Future.succeededFuture() : proxyFront.stopAccepting(timeout);
    return Future.join(front, server.shutdown(millis, TimeUnit.MILLISECONDS)).mapEmpty();
  }

  /** The port the router listens on (resolves port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** The admin listener's port (resolves port 0): {@code /metrics} and the details of {@code /healthz/region}. */
  public int adminPort() {
    return admin.actualPort();
  }

  /** The PROXY protocol v2 listener's port (resolves port 0), or -1 when there is none. */
  public int proxyProtocolPort() {
    return proxyFront == null ? RouterOptions.PROXY_PROTOCOL_DISABLED : proxyFront.actualPort();
  }

  /** The tenant listener's connection watch (deadlines, cap), for tests and diagnostics. */
  public HttpListenerGuard listenerGuard() {
    return listenerGuard;
  }

  /** Per-instance dispatch counts, for tests and diagnostics. */
  public InFlightTracker inFlight() {
    return inFlight;
  }

  /** Request body bytes buffered now (all tenants, or one). */
  public long bufferedBodyBytes(String tenantId) {
    return tenantId == null ? proxy.bufferedBodyBytes() : proxy.bufferedBodyBytes(tenantId);
  }

  /** The API key -> tenant cache, for tests and diagnostics. */
  public TenantAuthenticator authenticator() {
    return authenticator;
  }

  /** The tenants' regional rate limits, for tests and diagnostics. */
  public RegionRateLimiter rateLimiter() {
    return limiter;
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

  /** Instances held after a non-READY report, for tests and diagnostics. */
  public InstanceHolds holds() {
    return holds;
  }

  /** Requests waiting for an instance with room now. */
  public int dispatchQueueSize() {
    return proxy.waiting();
  }

  public RegionSnapshot snapshot() {
    return poller.current();
  }

  /** The model registry's last good catalog (null while never read), for tests and diagnostics. */
  public ModelCatalog modelCatalog() {
    return modelRegistry.catalog();
  }

  public double snapshotAgeSeconds() {
    return poller.ageSeconds();
  }

  public RouterMetrics metrics() {
    return metrics;
  }

  /** The tenant listener: health as the load balancer needs it, the tenant APIs, and nothing else. */
  private void route(HttpServerRequest request, TenantGate gate) {
    String path = request.path();
    if ((HEALTHZ.equals(path) || HEALTHZ_REGION.equals(path)) && drain.draining()) {
      json(request, 503, new JsonObject().put("status", "draining")); // take this router out of rotation
    } else if (HEALTHZ.equals(path)) {
      json(request, 200, new JsonObject().put("status", "alive"));
    } else if (HEALTHZ_REGION.equals(path)) {
      RegionHealth health = regionHealth(); // the status code is the verdict; the details are for the admin port
      json(request, health.canServe() ? 200 : 503, new JsonObject().put("status", health.toJson().getString("status")));
    } else if (isTenantApi(path)) {
      drain.track(request);
      gate.handle(request);
    } else {
      ApiErrors.send(request.response(), ErrorCode.NOT_FOUND, "no such endpoint; the tenant APIs are under /v1/ and /v2/",
          RequestIds.fromHeader(request.getHeader(Headers.REQUEST_ID)), null);
    }
  }

  /** The admin listener: metrics and the region health with its details, for on-call and the controllers. */
  private void routeAdmin(HttpServerRequest request) {
    switch (request.path()) {
      case HEALTHZ -> json(request, 200, new JsonObject().put("status", "alive"));
      case LIVEZ -> json(request, 200, new JsonObject().put("status", "live"));
      case READYZ -> {
        boolean ready = ready();
        json(request, ready ? 200 : 503, new JsonObject().put("status", ready ? "ready"
            : drain.draining() ? "draining" : started ? "no_snapshot" : "starting"));
      }
      case HEALTHZ_REGION -> {
        RegionHealth health = regionHealth();
        // The transport of the Vertx this verticle runs on, as built by whoever deployed it (VertxRuntime).
        json(request, health.canServe() ? 200 : 503,
            health.toJson().put("transport", VertxRuntime.transportName(vertx)));
      }
      case METRICS -> request.response()
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
          .end(metrics.scrape());
      default -> ApiErrors.send(request.response(), ErrorCode.NOT_FOUND, "the admin listener serves " + LIVEZ + ", "
          + READYZ + ", " + HEALTHZ + ", " + HEALTHZ_REGION + " and " + METRICS,
          RequestIds.fromHeader(request.getHeader(Headers.REQUEST_ID)), null);
    }
  }

  private RegionHealth regionHealth() {
    return RegionHealth.of(options.region(), poller.current(), poller.ageSeconds(), picker);
  }

  /** The tenant APIs: OpenAI-style under /v1/, Open Inference Protocol under /v2. */
  static boolean isTenantApi(String path) {
    return path != null && (path.startsWith("/v1/") || path.equals("/v2") || path.startsWith("/v2/"));
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body.encode());
  }
}
