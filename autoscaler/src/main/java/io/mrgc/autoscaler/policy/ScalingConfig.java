package io.mrgc.autoscaler.policy;

import io.mrgc.common.Check;
import java.time.Duration;

/**
 * The autoscaling rules of one region (DESIGN.md "Control loops"; defaults from shared/reference/control.md), validated
 * with exact messages when built.
 *
 * @param targetRpsPerInstance RPS one instance should carry (10..15; an instance serves 15 at the latency SLO, so 12
 *     leaves 25 % headroom for the 2-minute trigger plus the cold start)
 * @param scaleUpAfter how long RPS per ready instance must stay above target before scaling up
 * @param scaleDownBelowFraction scale down only when RPS per instance stays below this fraction of the target
 * @param scaleDownAfter how long RPS must stay below that before scaling down
 * @param scaleDownCooldown no scale-down this soon after the previous one (scale-up has no cooldown)
 * @param minInstances the region's floor (1..100)
 * @param maxInstances the region's ceiling (1..100, at least minInstances)
 * @param metricsStaleAfter an RPS sample older than this counts as missing: the policy never scales down on it
 * @param smoothing the above/below checks use the mean RPS of this trailing window (1 min: six 10 s samples), so
 *     one noisy 10 s window neither triggers nor resets them (at most scaleUpAfter)
 */
public record ScalingConfig(
    int targetRpsPerInstance,
    Duration scaleUpAfter,
    double scaleDownBelowFraction,
    Duration scaleDownAfter,
    Duration scaleDownCooldown,
    int minInstances,
    int maxInstances,
    Duration metricsStaleAfter,
    Duration smoothing) {

  public static final int DEFAULT_TARGET_RPS_PER_INSTANCE = 12;

  public ScalingConfig {
    Check.between("targetRpsPerInstance", targetRpsPerInstance, 10, 15);
    Check.positive("scaleUpAfter", scaleUpAfter);
    if (!(scaleDownBelowFraction > 0 && scaleDownBelowFraction < 1)) {
      throw new IllegalArgumentException(
          "scaleDownBelowFraction must be greater than 0 and less than 1, but was " + scaleDownBelowFraction);
    }
    Check.positive("scaleDownAfter", scaleDownAfter);
    Check.positive("scaleDownCooldown", scaleDownCooldown);
    Check.between("minInstances", minInstances, 1, 100);
    Check.between("maxInstances", maxInstances, 1, 100);
    if (minInstances > maxInstances) {
      throw new IllegalArgumentException(
          "minInstances must not exceed maxInstances, but was " + minInstances + " > " + maxInstances);
    }
    Check.positive("metricsStaleAfter", metricsStaleAfter);
    Check.positive("smoothing", smoothing);
    if (smoothing.compareTo(scaleUpAfter) > 0) {
      throw new IllegalArgumentException(
          "smoothing must not exceed scaleUpAfter, but was " + smoothing + " > " + scaleUpAfter);
    }
  }

  /** The defaults: target 12 RPS, up after 2 min, down after 10 min below 50 %, 5 min cooldown, 2..20, stale 60 s, smoothing 1 min. */
  public static ScalingConfig defaults() {
    return new ScalingConfig(DEFAULT_TARGET_RPS_PER_INSTANCE, Duration.ofMinutes(2), 0.5, Duration.ofMinutes(10),
        Duration.ofMinutes(5), 2, 20, Duration.ofSeconds(60), Duration.ofSeconds(60));
  }

  public ScalingConfig withTargetRpsPerInstance(int target) {
    return new ScalingConfig(target, scaleUpAfter, scaleDownBelowFraction, scaleDownAfter, scaleDownCooldown,
        minInstances, maxInstances, metricsStaleAfter, smoothing);
  }

  public ScalingConfig withBounds(int min, int max) {
    return new ScalingConfig(targetRpsPerInstance, scaleUpAfter, scaleDownBelowFraction, scaleDownAfter,
        scaleDownCooldown, min, max, metricsStaleAfter, smoothing);
  }

  public ScalingConfig withSmoothing(Duration d) {
    return new ScalingConfig(targetRpsPerInstance, scaleUpAfter, scaleDownBelowFraction, scaleDownAfter,
        scaleDownCooldown, minInstances, maxInstances, metricsStaleAfter, d);
  }

  /** The window of RPS samples the policy keeps: the longer of the two sustain windows. */
  Duration window() {
    return scaleUpAfter.compareTo(scaleDownAfter) >= 0 ? scaleUpAfter : scaleDownAfter;
  }
}
