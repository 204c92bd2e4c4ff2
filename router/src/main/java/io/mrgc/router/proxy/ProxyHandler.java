package io.mrgc.router.proxy;

import io.mrgc.router.RouterOptions;
import io.mrgc.router.metrics.RouterMetrics;
import io.mrgc.router.pick.OutlierDetector;
import io.mrgc.router.pick.Picker;
import io.mrgc.router.snapshot.RegionSnapshot;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import java.util.function.Supplier;

/**
 * Forwards every request that is not one of the router's own endpoints to an instance of the region. Bodies are
 * opaque (encrypted envelopes later) and stream through; nothing is buffered whole (reference/router.md pitfall 9).
 * One {@link Exchange} per request holds its state.
 */
public final class ProxyHandler {
  private final HttpClient client;
  private final Picker picker;
  private final OutlierDetector outliers;
  private final RouterMetrics metrics;
  private final Supplier<RegionSnapshot> snapshot;
  private final RouterOptions options;

  public ProxyHandler(HttpClient client, Picker picker, OutlierDetector outliers, RouterMetrics metrics,
      Supplier<RegionSnapshot> snapshot, RouterOptions options) {
    this.client = client;
    this.picker = picker;
    this.outliers = outliers;
    this.metrics = metrics;
    this.snapshot = snapshot;
    this.options = options;
  }

  /**
   * Forwards an admitted request: {@code model} is the one the tenant gate checked (null = unknown) and
   * {@code tenantId} the authenticated tenant, sent to the instance in {@code x-mrgc-tenant} (whatever the client
   * sent in that header is dropped).
   */
  public void handle(HttpServerRequest request, String requestId, String model, String tenantId) {
    // Paused before anything async: body bytes must wait until an instance is connected, and must stay unread so a
    // connect failure can still be retried on another instance.
    request.pause();
    new Exchange(this, request, requestId, model, tenantId).start();
  }

  HttpClient client() {
    return client;
  }

  Picker picker() {
    return picker;
  }

  OutlierDetector outliers() {
    return outliers;
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
