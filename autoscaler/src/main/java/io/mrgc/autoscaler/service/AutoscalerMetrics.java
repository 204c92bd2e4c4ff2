package io.mrgc.autoscaler.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.mrgc.autoscaler.loop.AutoscalerLoop;
import io.mrgc.autoscaler.loop.TickResult;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The autoscaler's meters: {@code mrgc_autoscaler_leader} (1 while this process holds the region's lease),
 * {@code mrgc_autoscaler_desired_instances} (the last decision), {@code mrgc_autoscaler_ticks_total} by outcome and
 * {@code mrgc_autoscaler_launched_total} / {@code _terminated_total} (instances), each tagged with the region.
 */
final class AutoscalerMetrics implements Consumer<TickResult> {
  private final MeterRegistry registry;
  private final String region;
  private final AtomicInteger desired = new AtomicInteger(-1);
  private final Counter launched;
  private final Counter terminated;

  AutoscalerMetrics(MeterRegistry registry, String region, AutoscalerLoop loop) {
    this.registry = registry;
    this.region = region;
    Gauge.builder("mrgc_autoscaler_leader", loop, l -> l.leader() ? 1 : 0).tag("region", region)
        .description("1 while this process holds the lease autoscaler/<region>").register(registry);
    Gauge.builder("mrgc_autoscaler_desired_instances", desired, AtomicInteger::get).tag("region", region)
        .description("the last decision's desired capacity (-1: none yet)").register(registry);
    launched = Counter.builder("mrgc_autoscaler_launched").tag("region", region)
        .description("instances launched through the fleet").register(registry);
    terminated = Counter.builder("mrgc_autoscaler_terminated").tag("region", region)
        .description("instances terminated through the fleet").register(registry);
  }

  @Override
  public void accept(TickResult result) {
    Counter.builder("mrgc_autoscaler_ticks").tag("region", region).tag("outcome", result.outcome().name())
        .description("evaluations by outcome").register(registry).increment();
    if (result.decision() != null) {
      desired.set(result.decision().desired());
    }
    launched.increment(result.launched().size());
    terminated.increment(result.terminated().size());
  }
}
