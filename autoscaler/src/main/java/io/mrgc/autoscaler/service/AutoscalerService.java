package io.mrgc.autoscaler.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mrgc.autoscaler.fleet.Fleet;
import io.mrgc.autoscaler.loop.AutoscalerLoop;
import io.mrgc.autoscaler.policy.ScalingPolicy;
import io.mrgc.common.Check;
import io.mrgc.common.service.ControlLoopService;
import io.mrgc.state.LeaseManager;
import io.mrgc.state.StateClient;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * One region's autoscaler as a service: the {@link AutoscalerLoop} under the lease {@code autoscaler/<region>}, its
 * fleet, and an admin listener (/livez, /readyz, /healthz with the lease held, /metrics). On stop it stops evaluating
 * and releases the lease, so a standby replica leads at its next evaluation.
 */
public final class AutoscalerService extends ControlLoopService {
  private final AutoscalerLoop loop;

  private AutoscalerService(Vertx vertx, AutoscalerConfig config, AutoscalerLoop loop, PrometheusMeterRegistry registry,
      List<AutoCloseable> owned) {
    super(vertx, config.control(), List.of(loop), registry, registry::scrape, owned);
    this.loop = loop;
  }

  /** As {@code mrgc serve autoscaler} runs it: it opens its state client and fleet, and closes them at stop. */
  public static AutoscalerService open(AutoscalerConfig config, Vertx vertx) {
    return create(config, vertx, null, null);
  }

  /**
   * In a JVM that shares its state client ({@code mrgc up}): {@code fleet} null uses the configured one. The state
   * client stays open at stop (its owner closes it).
   */
  public static AutoscalerService withState(AutoscalerConfig config, Vertx vertx, StateClient state, Fleet fleet) {
    return create(config, vertx, Check.notNull("state", state), fleet);
  }

  private static AutoscalerService create(AutoscalerConfig config, Vertx vertx, StateClient shared, Fleet fleet) {
    List<AutoCloseable> owned = new ArrayList<>();
    StateClient state = config.deployment().stateFor(shared, owned);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AutoscalerLoop loop = loop(config.autoscaler(), config.deployment().effectiveRegion(),
        config.control().leaseHolder(), state, fleet, registry, owned);
    return new AutoscalerService(vertx, config, loop, registry, owned);
  }

  /**
   * The loop of {@code region} with its meters in {@code registry} (also used by {@code mrgc serve control});
   * {@code fleet} null opens the configured one (an SDK client it opens is added to {@code owned}).
   */
  public static AutoscalerLoop loop(AutoscalerSettings settings, String region, String holder, StateClient state,
      Fleet fleet, MeterRegistry registry, List<AutoCloseable> owned) {
    AutoscalerLoop loop = new AutoscalerLoop(region, holder, new ScalingPolicy(settings.scaling()), settings.loop(),
        fleet == null ? settings.fleet().open(region, owned) : fleet, state,
        new LeaseManager(state, Clock.systemUTC()), Clock.systemUTC());
    return loop.onTick(new AutoscalerMetrics(registry, region, loop));
  }

  /** True while this replica holds the region's lease. */
  public boolean leader() {
    return loop.leader();
  }
}
