package io.mrgc.cluster.frontdoor;

import io.mrgc.common.ApiErrors;
import io.mrgc.common.RequestIds;
import io.mrgc.common.net.HttpListenerGuard;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.items.RoutingStateItem;
import io.mrgc.wire.ErrorCode;
import io.mrgc.wire.Headers;
import io.mrgc.wire.MediaTypes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands in for Global Accelerator in the local cluster: listens on the anycast addresses, sends each request to
 * a region chosen by {@link RegionSelector} from the caller's home region, health checks and dials, and streams it
 * to one of that region's routers, as the region's NLB would ({@link RegionRouters}: a router per client connection
 * by flow hash, each router health-checked on its own, the region healthy while any router is). A connect failure is
 * tried on the region's other routers (taking the refusing router out), then once on the next region (what a new
 * flow would get). With {@link FrontDoorOptions#tls()} it terminates the tenant's TLS and speaks TLS to the routers
 * (health checks too), trusting only their CA and checking their addresses against their certificates.
 * {@link #drain} stops it gracefully: no new connections, in-flight requests finish within a grace.
 */
public final class FrontDoor extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(FrontDoor.class);

  private final FrontDoorOptions options;
  private final RoutingStateRepository routingState;
  private final RegionSelector selector = new RegionSelector(() -> ThreadLocalRandom.current().nextDouble());
  private final Map<String, RegionRouters> regions = new LinkedHashMap<>();
  private final Map<String, Integer> dials = new ConcurrentHashMap<>();
  private final List<HttpServer> servers = new ArrayList<>();
  private final List<HttpListenerGuard> guards = new ArrayList<>();
  private final InFlightRequests inFlight = new InFlightRequests();
  private volatile boolean draining;
  private HttpClient client;
  private HttpClient checks;

  /** How a graceful stop went: requests in flight when it began that finished, and those cut off at the grace. */
  public record Drained(int finished, int cutOff) {}

  private static final long LISTENER_SHUTDOWN_MARGIN_MILLIS = 1_000;

  public FrontDoor(FrontDoorOptions options, RoutingStateRepository routingState) {
    this.options = options;
    this.routingState = routingState;
    options.routers().forEach((region, urls) ->
        regions.put(region, new RegionRouters(urls, options.healthCheck().thresholdCount())));
  }

  @Override
  public Future<?> start() {
    // Certificates and CA are read and checked off the event loop; a bad file fails the start naming it.
    return vertx.executeBlocking(this::listenerOptions).compose(this::startWith);
  }

  /** The listener, proxy and health-check options with TLS applied (reads the TLS files: blocking). */
  private Listeners listenerOptions() {
    FrontDoorTls tls = options.tls();
    return new Listeners(
        tls.listener().applyTo(new HttpServerOptions().setPort(options.port()).setHttp2ClearTextEnabled(false)),
        tls.routers().applyTo(new HttpClientOptions().setConnectTimeout(1000).setKeepAlive(true)),
        tls.routers().applyTo(new HttpClientOptions()
            .setConnectTimeout((int) options.healthCheck().timeout().toMillis()).setKeepAlive(false)));
  }

  private record Listeners(HttpServerOptions server, HttpClientOptions proxy, HttpClientOptions checks) {}

  private Future<?> startWith(Listeners listeners) {
    client = vertx.createHttpClient(listeners.proxy(), new PoolOptions().setHttp1MaxSize(256));
    checks = vertx.createHttpClient(listeners.checks());
    HttpProxy proxy = HttpProxy.reverseProxy(client).origin(this::openToRegion)
        .addInterceptor(new ProxyInterceptor() {
          @Override
          public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
            // No region could be reached: answer our JSON error rather than the proxy's empty 502.
            return context.sendRequest().recover(unreachable -> Future.succeededFuture(unreachable(context)));
          }
        });
    vertx.setPeriodic(0, options.healthCheck().interval().toMillis(), id -> checkAll());
    vertx.setPeriodic(0, options.dialRefresh().toMillis(), id -> refreshDials());
    List<Future<HttpServer>> listening = new ArrayList<>();
    for (String address : options.anycastAddresses()) {
      // HTTP/1.1 only, as the routers behind it: a client's h2c upgrade is ignored.
      // Header, idle and request deadlines and a connection cap per address (issue #10, finding 2).
      HttpListenerGuard guard = new HttpListenerGuard(vertx, options.listener());
      guards.add(guard);
      HttpServer server = guard.install(vertx.createHttpServer(guard.serverOptions(
              new HttpServerOptions(listeners.server()).setHost(address).setHttp2ClearTextEnabled(false))),
          request -> handle(request, proxy));
      servers.add(server);
      listening.add(server.listen());
    }
    return Future.all(listening);
  }

  /** The port each anycast address listens on (they differ only when started on port 0). */
  public Map<String, Integer> actualPorts() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (int i = 0; i < servers.size(); i++) {
      ports.put(options.anycastAddresses().get(i), servers.get(i).actualPort());
    }
    return ports;
  }

  /** Whether {@code region} passes: any of its routers does. */
  public boolean healthy(String region) {
    RegionRouters routers = regions.get(region);
    return routers != null && routers.healthy();
  }

  /** Each region's routers with their health, in configuration order. */
  public Map<String, Map<URI, Boolean>> routerHealth() {
    Map<String, Map<URI, Boolean>> view = new LinkedHashMap<>();
    regions.forEach((region, routers) -> view.put(region, routers.routerHealth()));
    return view;
  }

  /** Requests being proxied now. */
  public int inFlight() {
    return inFlight.count();
  }

  public Map<String, Integer> dials() {
    return Map.copyOf(dials);
  }

  private void handle(HttpServerRequest request, HttpProxy proxy) {
    if (draining) {
      // A request on a kept-alive connection after the stop began: the client retries on a new connection.
      request.response().putHeader(HttpHeaders.CONNECTION, "close");
      ApiErrors.send(request.response(), ErrorCode.FRONT_DOOR_STOPPING, "the front door is stopping; retry",
          RequestIds.fromHeader(request.getHeader(Headers.REQUEST_ID)), 1);
      return;
    }
    String home = request.getHeader(Headers.HOME_REGION);
    if (home != null && !options.routers().containsKey(home)) {
      ApiErrors.send(request.response(), ErrorCode.UNKNOWN_HOME_REGION, Headers.HOME_REGION
          + " must be one of " + options.routers().keySet() + ", but was '" + truncate(home) + "'",
          RequestIds.fromHeader(request.getHeader(Headers.REQUEST_ID)), null);
      return;
    }
    inFlight.track(request);
    proxy.handle(request);
  }

  private Future<HttpClientRequest> openToRegion(ProxyContext context) {
    HttpServerRequest incoming = context.request().proxiedRequest();
    String flow = incoming.connection().remoteAddress() + "->" + incoming.connection().localAddress();
    List<String> order = nearestFirst(homeRegionOf(incoming));
    String first = selector.select(order, healthyRegions(), dials);
    return openInRegion(context, first, flow).recover(connectFailure -> {
      // One more try on the next region: the front door has not sent a byte yet.
      List<String> rest = new ArrayList<>(order);
      rest.remove(first);
      Set<String> others = healthyRegions();
      others.remove(first);
      if (rest.isEmpty()) {
        return Future.failedFuture(connectFailure);
      }
      return openInRegion(context, selector.select(rest, others, dials), flow);
    });
  }

  /** Opens to the flow's router of {@code region}, trying its other routers when one refuses the connection. */
  private Future<HttpClientRequest> openInRegion(ProxyContext context, String region, String flow) {
    return openToFirst(context, region, regions.get(region).forFlow(flow), 0);
  }

  private Future<HttpClientRequest> openToFirst(ProxyContext context, String region, List<URI> routers, int next) {
    URI router = routers.get(next);
    return open(context, router).recover(connectFailure -> {
      if (regions.get(region).health(router).refused()) {
        LOG.warn("front door: router {} of region {} refused a connection, taking it out: {}", router, region,
            connectFailure.toString());
      }
      return next + 1 < routers.size()
          ? openToFirst(context, region, routers, next + 1)
          : Future.failedFuture(connectFailure);
    });
  }

  private Future<HttpClientRequest> open(ProxyContext context, URI router) {
    return context.client().request(new RequestOptions()
        .setHost(router.getHost())
        .setPort(router.getPort())
        .setMethod(context.request().getMethod())
        .setURI(context.request().getURI()));
  }

  private static ProxyResponse unreachable(ProxyContext context) {
    String requestId = RequestIds.fromHeader(context.request().proxiedRequest().getHeader(Headers.REQUEST_ID));
    Buffer body = ApiErrors.body(ErrorCode.REGION_UNREACHABLE,
        "no region's router could be reached; retry shortly", requestId).toBuffer();
    return context.request().response()
        .setStatusCode(ErrorCode.REGION_UNREACHABLE.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, MediaTypes.JSON)
        .putHeader(Headers.REQUEST_ID, requestId)
        .setBody(Body.body(body));
  }

  private String homeRegionOf(HttpServerRequest request) {
    String header = request.getHeader(Headers.HOME_REGION);
    if (header != null) {
      return header;
    }
    String client = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
    return options.clientHomeRegions().getOrDefault(client, options.defaultHomeRegion());
  }

  private List<String> nearestFirst(String home) {
    return Regions.nearestFirst(home).stream().filter(options.routers()::containsKey).toList();
  }

  private Set<String> healthyRegions() {
    Set<String> healthy = new HashSet<>();
    regions.forEach((region, routers) -> {
      if (routers.healthy()) {
        healthy.add(region);
      }
    });
    return healthy;
  }

  private void checkAll() {
    regions.forEach((region, routers) -> routers.urls().forEach(router -> check(region, routers, router)));
  }

  private void check(String region, RegionRouters routers, URI router) {
    checks.request(new RequestOptions()
            .setHost(router.getHost()).setPort(router.getPort()).setURI(options.healthCheck().path())
            .setTimeout(options.healthCheck().timeout().toMillis()))
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> response.statusCode() == 200))
        .otherwise(false)
        .onSuccess(passed -> {
          boolean regionWasHealthy = routers.healthy();
          if (routers.health(router).record(passed)) {
            LOG.warn("front door: router {} of region {} is now {}", router, region, passed ? "healthy" : "unhealthy");
          }
          if (routers.healthy() != regionWasHealthy) {
            LOG.warn("front door: region {} is now {}", region, regionWasHealthy ? "unhealthy" : "healthy");
          }
        });
  }

  private void refreshDials() {
    Future.fromCompletionStage(routingState.listRegions(), context)
        .onSuccess(rows -> rows.forEach(row -> dials.put(row.getRegion(), clampDial(row))))
        .onFailure(error -> LOG.debug("front door: keeping last dials, routing_state unreadable: {}", error.toString()));
  }

  private static int clampDial(RoutingStateItem row) {
    return Math.max(0, Math.min(100, row.getTrafficDial()));
  }

  private static String truncate(String value) {
    String printable = value.replaceAll("[^A-Za-z0-9._-]", "?");
    return printable.length() > 32 ? printable.substring(0, 32) + "..." : printable;
  }

  /**
   * Stops gracefully: the anycast listeners accept no new connection, a request arriving on a kept-alive one is
   * answered 503 {@code front_door_stopping} with {@code connection: close}, and the requests in flight get up to
   * {@code grace} to finish; then the listeners close. Undeploying afterwards releases the rest.
   */
  public Future<Drained> drain(Duration grace) {
    draining = true;
    int atStart = inFlight.count();
    // The listeners' own shutdown outlasts the grace: at the grace this drain cuts off (and counts) what is left,
    // then closes them. With the same timeout the listener's timer could close a connection first, and its request
    // would count as finished (seen once in FrontDoorServiceTest).
    servers.forEach(server -> server.shutdown(grace.toMillis() + LISTENER_SHUTDOWN_MARGIN_MILLIS,
        TimeUnit.MILLISECONDS));
    return inFlight.awaitNone(vertx, grace).compose(graceOver -> {
      int cutOff = inFlight.cutOff();
      List<Future<Void>> closing = new ArrayList<>();
      servers.forEach(server -> closing.add(server.close()));
      return Future.join(closing).otherwiseEmpty().map(v -> new Drained(Math.max(0, atStart - cutOff), cutOff));
    });
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> closing = new ArrayList<>();
    guards.forEach(HttpListenerGuard::close);
    servers.forEach(server -> closing.add(server.close()));
    if (client != null) {
      closing.add(client.close());
      closing.add(checks.close());
    }
    return Future.join(closing);
  }
}
