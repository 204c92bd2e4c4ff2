package io.mrgc.failover.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mrgc.autoscaler.policy.ScalingConfig;
import io.mrgc.common.Check;
import io.mrgc.common.service.ControlLoopService;
import io.mrgc.common.tls.ClientTls;
import io.mrgc.failover.dials.Backoff;
import io.mrgc.failover.dials.GlobalAcceleratorDials;
import io.mrgc.failover.dials.RoutingStateDials;
import io.mrgc.failover.dials.TrafficDials;
import io.mrgc.failover.health.HttpRegionProbe;
import io.mrgc.failover.health.RegionalHealth;
import io.mrgc.failover.loop.FailoverController;
import io.mrgc.failover.machine.FailoverMachine;
import io.mrgc.failover.prescale.AutoscalingPrescaler;
import io.mrgc.state.LeaseManager;
import io.mrgc.state.StateClient;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.globalaccelerator.GlobalAcceleratorAsyncClient;

/**
 * One region's failover controller as a service: the {@link FailoverController} (leases {@code failover/<region>} of
 * the regions it decides), probing each region's routers, moving dials through routing_state or Global Accelerator,
 * with an admin listener (/livez, /readyz, /healthz with the leases held, /metrics with {@code mrgc_failover_*}). On
 * stop it stops evaluating and releases its leases, so a standby replica leads at its next evaluation.
 */
public final class FailoverService extends ControlLoopService {
  private FailoverService(Vertx vertx, FailoverConfig config, FailoverController controller,
      PrometheusMeterRegistry registry, List<AutoCloseable> owned) {
    super(vertx, config.control(), List.of(controller), registry, registry::scrape, owned);
  }

  /** As {@code mrgc serve failover-controller} runs it: it opens its state client and closes it at stop. */
  public static FailoverService open(FailoverConfig config, Vertx vertx) {
    return create(config, vertx, null);
  }

  /** In a JVM that shares its state client ({@code mrgc up}); the client stays open at stop. */
  public static FailoverService withState(FailoverConfig config, Vertx vertx, StateClient state) {
    return create(config, vertx, Check.notNull("state", state));
  }

  /**
   * As {@link #withState(FailoverConfig, Vertx, StateClient)}, pre-scaling by {@code autoscalers} and moving dials
   * through {@code dials} (the caller's: it closes them) instead of the configured ones: the local cluster's tests
   * put an unreachable Global Accelerator behind them.
   */
  public static FailoverService withState(FailoverConfig config, Vertx vertx, StateClient state,
      ScalingConfig autoscalers, TrafficDials dials) {
    return create(config, vertx, Check.notNull("state", state), autoscalers, Check.notNull("dials", dials));
  }

  private static FailoverService create(FailoverConfig config, Vertx vertx, StateClient shared) {
    return create(config, vertx, shared, ScalingConfig.defaults(), null);
  }

  private static FailoverService create(FailoverConfig config, Vertx vertx, StateClient shared,
      ScalingConfig autoscalers, TrafficDials dials) {
    List<AutoCloseable> owned = new ArrayList<>();
    StateClient state = config.deployment().stateFor(shared, owned);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    FailoverController controller = controller(config.failover(), config.deployment().effectiveRegion(),
        config.control().leaseHolder(), autoscalers, state, vertx, registry, owned, dials);
    return new FailoverService(vertx, config, controller, registry, owned);
  }

  /**
   * The controller of {@code region} with its probe and dials (added to {@code owned}, closed by the service) and its
   * meters in {@code registry}; planned drains pre-scale survivors by {@code autoscalers}' target and ceiling. Also
   * used by {@code mrgc serve control}. Reads the probe's CA file: call it off the event loop.
   */
  public static FailoverController controller(FailoverSettings settings, String region, String holder,
      ScalingConfig autoscalers, StateClient state, Vertx vertx, MeterRegistry registry, List<AutoCloseable> owned) {
    return controller(settings, region, holder, autoscalers, state, vertx, registry, owned, null);
  }

  private static FailoverController controller(FailoverSettings settings, String region, String holder,
      ScalingConfig autoscalers, StateClient state, Vertx vertx, MeterRegistry registry, List<AutoCloseable> owned,
      TrafficDials injected) {
    Clock clock = Clock.systemUTC();
    HttpRegionProbe probe = HttpRegionProbe.ofRouters(vertx, settings.routers(), settings.probeTimeout(),
        settings.probeCaFile().map(ClientTls::trusting).orElse(ClientTls.none()));
    owned.add(probe);
    FailoverController controller = new FailoverController(settings.controller(region, holder),
        new RegionalHealth(settings.health()), new FailoverMachine(settings.machine()), state,
        new LeaseManager(state, clock), probe, injected != null ? injected : dials(settings, state, clock, owned),
        new AutoscalingPrescaler(settings.prescaler(autoscalers.targetRpsPerInstance(), autoscalers.maxInstances()),
            state, clock),
        clock);
    return controller.withMetrics(registry).withStartDelay(settings.startDelay());
  }

  private static TrafficDials dials(FailoverSettings settings, StateClient state, Clock clock,
      List<AutoCloseable> owned) {
    if (settings.dials() == FailoverSettings.DialsType.ROUTING_STATE) {
      return new RoutingStateDials(state, clock);
    }
    GlobalAcceleratorAsyncClient client = GlobalAcceleratorDials.newClient(null, null); // pinned to us-west-2
    owned.add(client);
    GlobalAcceleratorDials dials = new GlobalAcceleratorDials(client, settings.endpointGroupArns(), Backoff.defaults());
    owned.add(dials);
    return dials;
  }
}
