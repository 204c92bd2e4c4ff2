package io.mrgc.router.proxy;

import io.mrgc.router.RouterOptions;
import io.mrgc.router.metrics.RouterMetrics;
import io.mrgc.router.pick.InstanceHolds;
import io.mrgc.router.pick.OutlierDetector;
import io.mrgc.router.pick.Picker;
import io.mrgc.router.snapshot.RegionSnapshot;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import java.util.function.Supplier;

/**
 * Forwards every request that is not one of the router's own endpoints to an instance of the region. Bodies are
 * opaque (encrypted envelopes later) and stream through; nothing is buffered whole (reference/router.md pitfall 9).
 * One {@link Exchange} per request holds its state. Each instance takes one request at a time; requests that find
 * every candidate busy wait in the {@link DispatchQueue}. Create it on the router's event loop (the verticle's start).
 */
public final class ProxyHandler {
  private final HttpClient client;
  private final Picker picker;
  private final OutlierDetector outliers;
  private final InstanceHolds holds;
  private final RouterMetrics metrics;
  private final Supplier<RegionSnapshot> snapshot;
  private final RouterOptions options;
  private final DispatchQueue queue;
  private final Vertx vertx;

  public ProxyHandler(Vertx vertx, HttpClient client, Picker picker, OutlierDetector outliers,
      InstanceHolds holds, RouterMetrics metrics, Supplier<RegionSnapshot> snapshot, RouterOptions options) {
    this.vertx = vertx;
    this.client = client;
    this.picker = picker;
    this.outliers = outliers;
    this.holds = holds;
    this.metrics = metrics;
    this.snapshot = snapshot;
    this.options = options;
    this.queue = new DispatchQueue(vertx, options.dispatchQueueLimit(), options.dispatchQueueTimeout(), metrics);
  }

  /** An instance may have become free (a dispatch ended, a snapshot arrived): waiting requests try again. */
  public void wake() {
    queue.wake();
  }

  /** Requests waiting for a free instance now (read it on the router's event loop; elsewhere it is a gauge). */
  public int waiting() {
    return queue.size();
  }

  /**
   * Forwards an admitted request: {@code model} is the one the tenant gate checked (null = unknown) and
   * {@code tenantId} the authenticated tenant, sent to the instance in {@code x-mrgc-tenant} (whatever the client
   * sent in that header is dropped). {@code debugHeaders}: the tenant may see which instance served it
   * ({@code x-mrgc-instance}); otherwise instance ids never reach it.
   */
  public void handle(HttpServerRequest request, String requestId, String model, String tenantId,
      boolean debugHeaders) {
    // Paused before anything async: body bytes must wait until an instance took the request (connected, then
    // 100 Continue), and must stay unread so a connect failure or a refusal can still go to another instance, and
    // while the request waits for a free one.
    request.pause();
    new Exchange(this, request, requestId, model, tenantId, debugHeaders).start();
  }

  HttpClient client() {
    return client;
  }

  Vertx vertx() {
    return vertx;
  }

  Picker picker() {
    return picker;
  }

  OutlierDetector outliers() {
    return outliers;
  }

  InstanceHolds holds() {
    return holds;
  }

  DispatchQueue queue() {
    return queue;
  }

  RouterMetrics metrics() {
    return metrics;
  }

  RegionSnapshot snapshot() {
    return snapshot.get();
  }

  RouterOptions options() {
    return options;
  }
}
