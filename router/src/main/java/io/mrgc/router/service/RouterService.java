package io.mrgc.router.service;

import io.mrgc.common.service.Service;
import io.mrgc.router.RouterOptions;
import io.mrgc.router.RouterVerticle;
import io.mrgc.router.TenantDrain;
import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The regional router as a service: a {@link RouterVerticle} deployed on the given Vert.x, started when it listens
 * and has tried its first snapshot, and stopped the way ECS and a load balancer expect.
 *
 * <p>Stop, within the grace: (1) drain: {@code /readyz} and the tenant listener's {@code /healthz} and
 * {@code /healthz/region} answer 503, and every answer carries {@code Connection: close}, so health checks take the
 * router out of rotation and clients reconnect elsewhere; (2) after {@code drainDelay} the listeners close to new
 * connections; (3) requests in flight finish; those still running when the grace ends are cut off; (4) the verticle
 * is undeployed and a state client this service opened is closed. The account says how many requests were drained
 * and cut off.
 */
public final class RouterService implements Service {
  /** How much longer than the grace connections may stay open before Vert.x closes them itself. */
  private static final long CUT_OFF_MARGIN_MILLIS = 1_000;
  private final Vertx vertx;
  private final RouterOptions options;
  private final Duration drainDelay;
  private final Supplier<StateClient> stateSource;
  private final boolean ownsState;
  private StateClient state;
  private RouterVerticle verticle;
  private String deploymentId;

  private RouterService(Vertx vertx, RouterOptions options, Duration drainDelay, Supplier<StateClient> stateSource,
      boolean ownsState) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.options = Objects.requireNonNull(options, "options");
    this.drainDelay = Objects.requireNonNull(drainDelay, "drainDelay");
    this.stateSource = stateSource;
    this.ownsState = ownsState;
  }

  /** As {@code mrgc serve router} runs it: opens its own state client at start (closed at stop). */
  public static RouterService fromConfig(RouterServiceConfig config, Vertx vertx) {
    return new RouterService(vertx, config.router(), config.drainDelay(), config.deployment()::openState, true);
  }

  /** In a JVM that shares one state client among services ({@code mrgc up}): {@code state} stays open at stop. */
  public static RouterService withState(RouterOptions options, Duration drainDelay, StateClient state, Vertx vertx) {
    Objects.requireNonNull(state, "state");
    return new RouterService(vertx, options, drainDelay, () -> state, false);
  }

  @Override
  public Future<Void> start() {
    if (verticle != null) {
      return Future.failedFuture(new IllegalStateException("router service already started"));
    }
    state = stateSource.get();
    verticle = new RouterVerticle(options, state);
    return vertx.deployVerticle(verticle)
        .onSuccess(id -> deploymentId = id)
        .onFailure(error -> closeOwnedState())
        .mapEmpty();
  }

  @Override
  public Future<String> stop(Duration grace) {
    if (deploymentId == null) {
      closeOwnedState();
      return Future.succeededFuture("never started");
    }
    long startedNanos = System.nanoTime();
    long graceMillis = Math.max(1, grace.toMillis());
    TenantDrain drain = verticle.drain();
    // Connections get a little longer than the grace, so that the drain, not a listener's own timer, decides what
    // is cut off (and counts it) when the grace ends.
    Duration connectionBound = Duration.ofMillis(graceMillis + CUT_OFF_MARGIN_MILLIS);
    return verticle.beginDrain(connectionBound)
        .compose(begun -> vertx.timer(Math.max(1, Math.min(drainDelay.toMillis(), graceMillis))))
        .compose(delayed -> {
          long left = Math.max(1, graceMillis - elapsedMillis(startedNanos));
          verticle.closeListeners(Duration.ofMillis(left + CUT_OFF_MARGIN_MILLIS));
          return drain.idle().timeout(left, TimeUnit.MILLISECONDS).otherwiseEmpty();
        })
        .map(settled -> {
          long drained = drain.endedWhileDraining();
          long tookMillis = elapsedMillis(startedNanos);
          int cutOff = drain.cutOff();
          return "drained " + drained + " in-flight request(s) in " + tookMillis + " ms, " + cutOff + " cut off";
        })
        .compose(account -> vertx.undeploy(deploymentId).otherwiseEmpty().map(account))
        .onComplete(done -> closeOwnedState());
  }

  @Override
  public java.util.Optional<io.micrometer.core.instrument.MeterRegistry> meters() {
    return verticle == null ? java.util.Optional.empty() : java.util.Optional.of(verticle.metrics().registry());
  }

  /**
   * Stops at once, without a drain, as a router whose process died (chaos tests): its listeners close and nothing
   * in flight is finished. {@link #stop} is the graceful stop.
   */
  public Future<Void> halt() {
    return deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId)
        .onComplete(done -> closeOwnedState());
  }

  /** The deployed router (ports, snapshot, diagnostics); null before {@link #start()}. */
  public RouterVerticle verticle() {
    return verticle;
  }

  /** Whether the router should get new connections (what its {@code /readyz} answers). */
  public boolean ready() {
    return verticle != null && deploymentId != null && verticle.ready();
  }

  private void closeOwnedState() {
    if (ownsState && state != null) {
      state.close();
      state = null;
    }
  }

  private static long elapsedMillis(long startedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }
}
