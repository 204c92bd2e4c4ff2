package io.mrgc.autoscaler.loop;

import io.mrgc.common.Check;
import java.time.Duration;

/**
 * How the autoscaler loop runs around the policy.
 *
 * @param tickPeriod how often {@link AutoscalerLoop#start} ticks (10 s: one metrics window)
 * @param leaseTtl the lease {@code autoscaler/<region>}; renewed every tick, so well above tickPeriod
 * @param metricsLookback how far back metrics rows are read; nothing in it means MISSING (older than the policy's
 *     metricsStaleAfter but inside it means STALE)
 * @param joinTimeout a fleet instance without a gpu_instances row this long after launch never joined: terminated
 *     (real GPU cold starts take 3-8 minutes, so the default is 15 min)
 * @param drainTimeout a DRAINING instance is terminated after this even if it still has requests (default 5 min)
 * @param heartbeatStaleAfter a gpu_instances row whose heartbeat is older than this is a dead instance: not counted,
 *     terminated through the fleet (rows expire by TTL after 60 s anyway)
 */
public record LoopConfig(
    Duration tickPeriod,
    Duration leaseTtl,
    Duration metricsLookback,
    Duration joinTimeout,
    Duration drainTimeout,
    Duration heartbeatStaleAfter) {

  public LoopConfig {
    Check.positive("tickPeriod", tickPeriod);
    Check.positive("leaseTtl", leaseTtl);
    Check.positive("metricsLookback", metricsLookback);
    Check.positive("joinTimeout", joinTimeout);
    Check.positive("drainTimeout", drainTimeout);
    Check.positive("heartbeatStaleAfter", heartbeatStaleAfter);
    if (leaseTtl.compareTo(tickPeriod) <= 0) {
      throw new IllegalArgumentException("leaseTtl must exceed tickPeriod, but was " + leaseTtl + " <= " + tickPeriod);
    }
  }

  public static LoopConfig defaults() {
    return new LoopConfig(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(5),
        Duration.ofMinutes(15), Duration.ofMinutes(5), Duration.ofSeconds(30));
  }

  public LoopConfig withDrainTimeout(Duration d) {
    return new LoopConfig(tickPeriod, leaseTtl, metricsLookback, joinTimeout, d, heartbeatStaleAfter);
  }

  public LoopConfig withJoinTimeout(Duration d) {
    return new LoopConfig(tickPeriod, leaseTtl, metricsLookback, d, drainTimeout, heartbeatStaleAfter);
  }
}
