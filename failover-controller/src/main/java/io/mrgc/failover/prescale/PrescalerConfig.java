package io.mrgc.failover.prescale;

import io.mrgc.common.Check;
import java.time.Duration;

/**
 * How {@link AutoscalingPrescaler} sizes the survivors of a planned drain, validated with exact messages when built.
 *
 * @param targetRpsPerInstance the autoscaler's target RPS per instance (1..1000): demand in RPS becomes instances
 * @param maxInstances the survivors' ceiling (1..100, the autoscaler's): a target above it is capped, so a drain never
 *     waits for capacity the autoscaler would refuse to launch
 * @param overrideFor how long each override lasts; renewed while the drain goes on, so the autoscaler owns the
 *     survivors' capacity again this long after the drain ends (at least 1 minute)
 * @param heartbeatStaleAfter an instance whose heartbeat is older does not count as serving
 * @param autoscalerStaleAfter a survivor whose autoscaling_state row was decided longer ago than this has no running
 *     autoscaler: nothing can pre-scale it, so the drain does not wait for it
 */
public record PrescalerConfig(int targetRpsPerInstance, int maxInstances, Duration overrideFor,
    Duration heartbeatStaleAfter, Duration autoscalerStaleAfter) {

  public PrescalerConfig {
    Check.between("targetRpsPerInstance", targetRpsPerInstance, 1, 1000);
    Check.between("maxInstances", maxInstances, 1, 100);
    Check.positive("overrideFor", overrideFor);
    if (overrideFor.compareTo(Duration.ofMinutes(1)) < 0) {
      throw new IllegalArgumentException("overrideFor must be at least PT1M, but was " + overrideFor);
    }
    Check.positive("heartbeatStaleAfter", heartbeatStaleAfter);
    Check.positive("autoscalerStaleAfter", autoscalerStaleAfter);
  }

  /** The autoscaler's defaults (12 RPS per instance, at most 20), 15-minute overrides, 15 s heartbeats, 60 s rows. */
  public static PrescalerConfig defaults() {
    return new PrescalerConfig(12, 20, Duration.ofMinutes(15), Duration.ofSeconds(15), Duration.ofSeconds(60));
  }

  public PrescalerConfig withAutoscaling(int targetRpsPerInstance, int maxInstances) {
    return new PrescalerConfig(targetRpsPerInstance, maxInstances, overrideFor, heartbeatStaleAfter,
        autoscalerStaleAfter);
  }
}
