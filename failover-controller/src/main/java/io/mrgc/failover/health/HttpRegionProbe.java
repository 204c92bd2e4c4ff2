package io.mrgc.failover.health;

import io.mrgc.common.Check;
import io.mrgc.common.tls.ClientTls;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * {@link RegionProbe} over HTTP with Vert.x: GET the region's {@code /healthz/region} URL (in AWS its regional load
 * balancer, reached from this controller's region; locally the router) with a timeout, no keep-alive (each probe
 * sees a fresh connection, like GA's health checks), and classify the answer by status and the router's JSON
 * ({@code routable}, {@code failoverState}).
 *
 * <p>A region may have several routers (several tasks behind its load balancer, or several addresses given): each is
 * probed and the region is as well as its best router (serving, else evacuated, else not serving, else unreachable),
 * since one router that serves is a region that serves.
 */
public final class HttpRegionProbe implements RegionProbe, AutoCloseable {
  private final Map<String, List<URI>> healthUrls;
  private final Duration timeout;
  private final HttpClient client;
  private final LongSupplier nanoTime;

  /** @param healthUrls the full URL of each region's health endpoint, e.g. {@code http://10.0.0.5:8080/healthz/region} */
  public HttpRegionProbe(Vertx vertx, Map<String, URI> healthUrls, Duration timeout) {
    this(vertx, healthUrls, timeout, ClientTls.none());
  }

  /**
   * As above, reaching {@code https://} health URLs with {@code tls} (the CA the routers' certificates chain to). Reads
   * the CA file: construct it at start, off the event loop.
   */
  public HttpRegionProbe(Vertx vertx, Map<String, URI> healthUrls, Duration timeout, ClientTls tls) {
    this(vertx, single(healthUrls), timeout, tls, System::nanoTime);
  }

  /** The health URLs of each region's routers (several per region): a region serves when one of them does. */
  public static HttpRegionProbe ofRouters(Vertx vertx, Map<String, List<URI>> routerHealthUrls, Duration timeout,
      ClientTls tls) {
    return new HttpRegionProbe(vertx, routerHealthUrls, timeout, tls, System::nanoTime);
  }

  HttpRegionProbe(Vertx vertx, Map<String, URI> healthUrls, Duration timeout, LongSupplier nanoTime) {
    this(vertx, single(healthUrls), timeout, ClientTls.none(), nanoTime);
  }

  private HttpRegionProbe(Vertx vertx, Map<String, List<URI>> healthUrls, Duration timeout, ClientTls tls,
      LongSupplier nanoTime) {
    Check.notNull("vertx", vertx);
    Map<String, List<URI>> urls = new LinkedHashMap<>();
    Check.notNull("healthUrls", healthUrls).forEach((region, list) -> {
      if (!list.isEmpty()) {
        urls.put(region, List.copyOf(list));
      }
    });
    this.healthUrls = Map.copyOf(urls);
    this.timeout = Check.positive("timeout", timeout);
    this.nanoTime = nanoTime;
    this.client = vertx.createHttpClient(tls.applyTo(new HttpClientOptions()
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
        .setKeepAlive(false)));
  }

  private static Map<String, List<URI>> single(Map<String, URI> healthUrls) {
    Map<String, List<URI>> out = new LinkedHashMap<>();
    Check.notNull("healthUrls", healthUrls).forEach((region, url) -> out.put(region, List.of(url)));
    return out;
  }

  @Override
  public CompletableFuture<ProbeResult> probe(String region) {
    List<URI> urls = healthUrls.get(region);
    if (urls == null) {
      return CompletableFuture.completedFuture(ProbeResult.skipped(region));
    }
    if (urls.size() == 1) {
      return probe(region, urls.get(0));
    }
    List<CompletableFuture<ProbeResult>> each = urls.stream().map(url -> probe(region, url)).toList();
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
        .thenApply(done -> best(each.stream().map(CompletableFuture::join).toList()));
  }

  /**
   * The region's result from its routers': the best outcome (the fastest answer among those with it), its detail
   * saying how many routers had it.
   */
  static ProbeResult best(List<ProbeResult> results) {
    Optional<ProbeResult> best = results.stream().min(Comparator.comparingInt((ProbeResult r) -> rank(r.outcome()))
        .thenComparing(ProbeResult::latency));
    ProbeResult chosen = best.orElseThrow();
    long same = results.stream().filter(r -> r.outcome() == chosen.outcome()).count();
    String detail = chosen.detail() + " (" + same + " of " + results.size() + " routers)";
    return new ProbeResult(chosen.region(), chosen.outcome(), chosen.httpStatus(), chosen.routable(),
        chosen.failoverState(), chosen.latency(), detail);
  }

  private static int rank(ProbeResult.Outcome outcome) {
    return switch (outcome) {
      case SERVING -> 0;
      case EVACUATED -> 1;
      case NOT_SERVING -> 2;
      case UNREACHABLE -> 3;
      case SKIPPED -> 4;
    };
  }

  private CompletableFuture<ProbeResult> probe(String region, URI url) {
    long started = nanoTime.getAsLong();
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setAbsoluteURI(url.toString())
        .setTimeout(timeout.toMillis());
    return client.request(request)
        .compose(r -> r.send())
        .compose(response -> response.body().map(body -> classify(region, response.statusCode(), body, since(started))))
        .otherwise(error -> ProbeResult.unreachable(region, since(started), describe(error)))
        .toCompletionStage()
        .toCompletableFuture();
  }

  static ProbeResult classify(String region, int status, Buffer body, Duration latency) {
    JsonObject json = parse(body);
    Integer routable = json == null ? null : json.getInteger("routable");
    String failoverState = json == null ? null : json.getString("failoverState");
    if (status == 200) {
      return new ProbeResult(region, ProbeResult.Outcome.SERVING, status, routable, failoverState, latency, "serving");
    }
    String detail = "HTTP " + status + (routable == null ? "" : ", routable " + routable)
        + (failoverState == null ? "" : ", " + failoverState);
    boolean evacuated = status == 503 && "FAILOVER_ACTIVE".equals(failoverState) && routable != null && routable > 0;
    return new ProbeResult(region, evacuated ? ProbeResult.Outcome.EVACUATED : ProbeResult.Outcome.NOT_SERVING,
        status, routable, failoverState, latency, detail);
  }

  private static JsonObject parse(Buffer body) {
    try {
      return body == null || body.length() == 0 ? null : body.toJsonObject();
    } catch (RuntimeException e) {
      return null; // not the router's JSON: judged by the status alone
    }
  }

  private Duration since(long startedNanos) {
    return Duration.ofNanos(Math.max(0, nanoTime.getAsLong() - startedNanos));
  }

  private static String describe(Throwable error) {
    String message = error.getMessage();
    return error.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  @Override
  public void close() {
    client.close();
  }
}
