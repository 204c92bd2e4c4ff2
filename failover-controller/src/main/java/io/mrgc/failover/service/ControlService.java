package io.mrgc.failover.service;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mrgc.autoscaler.fleet.Fleet;
import io.mrgc.autoscaler.loop.AutoscalerLoop;
import io.mrgc.autoscaler.service.AutoscalerService;
import io.mrgc.common.Check;
import io.mrgc.common.service.ControlLoop;
import io.mrgc.common.service.ControlLoopService;
import io.mrgc.failover.loop.FailoverController;
import io.mrgc.state.StateClient;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * A region's autoscaler and failover controller in one process: both loops share the state client, the lease holder
 * id, the admin listener and its registry. Planned drains pre-scale survivors by this autoscaler's target and
 * ceiling. On stop both stop evaluating and release their leases.
 */
public final class ControlService extends ControlLoopService {
  private ControlService(Vertx vertx, ControlConfig config, List<ControlLoop> loops, PrometheusMeterRegistry registry,
      List<AutoCloseable> owned) {
    super(vertx, config.control(), loops, registry, registry::scrape, owned);
  }

  /** As {@code mrgc serve control} runs it: it opens its state client and fleet, and closes them at stop. */
  public static ControlService open(ControlConfig config, Vertx vertx) {
    return create(config, vertx, null, null);
  }

  /** In a JVM that shares its state client ({@code mrgc up}); {@code fleet} null uses the configured one. */
  public static ControlService withState(ControlConfig config, Vertx vertx, StateClient state, Fleet fleet) {
    return create(config, vertx, Check.notNull("state", state), fleet);
  }

  private static ControlService create(ControlConfig config, Vertx vertx, StateClient shared, Fleet fleet) {
    List<AutoCloseable> owned = new ArrayList<>();
    StateClient state = config.deployment().stateFor(shared, owned);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    String region = config.deployment().effectiveRegion();
    String holder = config.control().leaseHolder();
    AutoscalerLoop autoscaler = AutoscalerService.loop(config.autoscaler(), region, holder, state, fleet, registry,
        owned);
    FailoverController failover = FailoverService.controller(config.failover(), region, holder,
        config.autoscaler().scaling(), state, vertx, registry, owned);
    return new ControlService(vertx, config, List.of(autoscaler, failover), registry, owned);
  }
}
