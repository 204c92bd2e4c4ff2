package io.mrgc.cluster;

import io.mrgc.autoscaler.loop.LoopConfig;
import io.mrgc.autoscaler.policy.ScalingConfig;
import io.mrgc.common.Check;
import java.time.Duration;

/**
 * Autoscaling in the local cluster: one autoscaler loop per region (under its lease) with the local fleet, whose
 * boot delay stands for a GPU instance's cold start (3-8 minutes in AWS; seconds locally). Routers write their
 * metrics rows every {@code routerMetricsInterval}, the signal the loop reads (10 s in production; shorter in tests).
 */
public record AutoscalingOptions(ScalingConfig scaling, LoopConfig loop, Duration bootDelay,
    Duration routerMetricsInterval) {
  public static final Duration DEFAULT_BOOT_DELAY = Duration.ofSeconds(20);

  public AutoscalingOptions {
    Check.notNull("scaling", scaling);
    Check.notNull("loop", loop);
    Check.notNull("bootDelay", bootDelay);
    if (bootDelay.isNegative()) {
      throw new IllegalArgumentException("bootDelay must not be negative, but was " + bootDelay);
    }
    Check.positive("routerMetricsInterval", routerMetricsInterval);
  }

  public static AutoscalingOptions defaults() {
    return new AutoscalingOptions(ScalingConfig.defaults(), LoopConfig.defaults(), DEFAULT_BOOT_DELAY,
        Duration.ofSeconds(10));
  }
}
