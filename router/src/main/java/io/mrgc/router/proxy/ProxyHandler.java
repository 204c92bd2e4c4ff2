package io.mrgc.router.proxy;

import io.mrgc.common.peer.PeerAuth;
import io.mrgc.router.RouterOptions;
import io.mrgc.router.metrics.RouterMetrics;
import io.mrgc.router.pick.InstanceHolds;
import io.mrgc.router.pick.OutlierDetector;
import io.mrgc.router.pick.Picker;
import io.mrgc.router.snapshot.RegionSnapshot;
import io.mrgc.state.ModelCatalog;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import java.util.function.Supplier;

/**
 * Forwards every request that is not one of the router's own endpoints to an instance of the region. Bodies are
 * opaque (encrypted envelopes) and buffered whole before an instance is picked, within {@code maxBodyBytes}, the body
 * deadline and the per-tenant and per-router {@link BodyBudget}: an instance serves one tenant at a time, so
 * streaming a slow client's body would hold the instance's slot for as long as the client takes (issue #10, finding
 * 2). One {@link Exchange} per request holds its state. Each instance takes one tenant at a time, up to its batch
 * slots of that tenant's requests; requests that find no candidate with room for their tenant wait in the
 * {@link DispatchQueue}. A request for a model that no instance of the region advertises is answered from the model
 * registry before its body is read ({@link UnservedModel}). Create it on the router's event loop (the verticle's
 * start).
 */
public final class ProxyHandler {
  private final HttpClient client;
  private final Picker picker;
  private final OutlierDetector outliers;
  private final InstanceHolds holds;
  private final RouterMetrics metrics;
  private final Supplier<RegionSnapshot> snapshot;
  /** The model registry's last good catalog, null while never read ({@link UnservedModel}). */
  private final Supplier<ModelCatalog> modelCatalog;
  private final RouterOptions options;
  private final DispatchQueue queue;
  private final BodyBudget bodyBudget;
  private final Vertx vertx;
  /** Signs forwarded requests and checks the agents' answers; null when {@code agentAuth} is off. */
  private final PeerAuth peerAuth;

  public ProxyHandler(Vertx vertx, HttpClient client, Picker picker, OutlierDetector outliers,
      InstanceHolds holds, RouterMetrics metrics, Supplier<RegionSnapshot> snapshot,
      Supplier<ModelCatalog> modelCatalog, RouterOptions options) {
    this.vertx = vertx;
    this.client = client;
    this.picker = picker;
    this.outliers = outliers;
    this.holds = holds;
    this.metrics = metrics;
    this.snapshot = snapshot;
    this.modelCatalog = modelCatalog;
    this.options = options;
    this.peerAuth = PeerAuth.orNull(options.agentAuth());
    this.queue = new DispatchQueue(vertx, options.dispatchQueueLimit(), options.dispatchQueueTimeout(), metrics);
    this.bodyBudget = new BodyBudget(options.ingress().tenantBufferBytes(), options.ingress().routerBufferBytes());
  }

  /** Body bytes buffered now, all tenants together. */
  public long bufferedBodyBytes() {
    return bodyBudget.buffered();
  }

  /** Body bytes buffered now for one tenant. */
  public long bufferedBodyBytes(String tenantId) {
    return bodyBudget.buffered(tenantId);
  }

  /** An instance may have become free (a dispatch ended, a snapshot arrived): waiting requests try again. */
  public void wake() {
    queue.wake();
  }

  /** Requests waiting for an instance with room now (read it on the router's event loop; elsewhere it is a gauge). */
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
    // Paused until the exchange has checked the declared length and reserved its buffer.
    request.pause();
    new Exchange(this, request, requestId, model, tenantId, debugHeaders).start();
  }

  PeerAuth peerAuth() {
    return peerAuth;
  }

  HttpClient client() {
    return client;
  }

  public Vertx vertx() {
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

  BodyBudget bodyBudget() {
    return bodyBudget;
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

  ModelCatalog modelCatalog() {
    return modelCatalog.get();
  }

  RouterOptions options() {
    return options;
  }
}
