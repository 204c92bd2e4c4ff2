package io.mrgc.failover.service;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mrgc.autoscaler.fleet.Fleet;
import io.mrgc.autoscaler.loop.AutoscalerLoop;
import io.mrgc.autoscaler.service.AutoscalerService;
import io.mrgc.common.service.ControlLoop;
import io.mrgc.common.service.ControlLoopService;
import io.mrgc.common.service.Service;
import io.mrgc.failover.loop.FailoverController;
import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A region's autoscaler and failover controller in one process: both loops share the state client, the lease holder
 * id, the admin listener and its registry. Planned drains pre-scale survivors by this autoscaler's target and
 * ceiling. On stop both stop evaluating and release their leases.
 */
public final class ControlService implements Service {
  private final ControlLoopService service;
  private final List<ControlLoop> loops;

  private ControlService(ControlLoopService service, List<ControlLoop> loops) {
    this.service = service;
    this.loops = loops;
  }

  /** As {@code mrgc serve control} runs it: it opens its state client and fleet, and closes them at stop. */
  public static ControlService open(ControlConfig config, Vertx vertx) {
    List<AutoCloseable> owned = new ArrayList<>();
    StateClient state = config.deployment().openState();
    owned.add(state);
    return create(config, vertx, state, null, owned);
  }

  /** In a JVM that shares its state client ({@code mrgc up}); {@code fleet} null uses the configured one. */
  public static ControlService withState(ControlConfig config, Vertx vertx, StateClient state, Fleet fleet) {
    return create(config, vertx, state, fleet, new ArrayList<>());
  }

  private static ControlService create(ControlConfig config, Vertx vertx, StateClient state, Fleet fleet,
      List<AutoCloseable> owned) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    String region = config.deployment().effectiveRegion();
    String holder = config.control().leaseHolder();
    AutoscalerLoop autoscaler = AutoscalerService.loop(config.autoscaler(), region, holder, state, fleet, registry,
        owned);
    FailoverController failover = FailoverService.controller(config.failover(), region, holder,
        config.autoscaler().scaling(), state, vertx, registry, owned);
    List<ControlLoop> loops = List.of(autoscaler, failover);
    return new ControlService(new ControlLoopService(vertx, config.control(), loops, registry::scrape, owned), loops);
  }

  @Override
  public Future<Void> start() {
    return service.start();
  }

  @Override
  public Future<String> stop(Duration grace) {
    return service.stop(grace);
  }

  /** The admin listener's port once started. */
  public int adminPort() {
    return service.adminPort();
  }

  /** The leases this process holds now, the autoscaler's first. */
  public List<String> heldLeases() {
    return loops.stream().flatMap(l -> l.heldLeases().stream()).toList();
  }
}
