package io.mrgc.autoscaler.service;

import io.mrgc.autoscaler.loop.LoopConfig;
import io.mrgc.autoscaler.policy.ScalingConfig;
import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.Mode;
import io.mrgc.common.service.ControlSettings;
import java.time.Duration;

/**
 * One region's autoscaler as an operator configures it: the scaling rules, how the loop runs and the fleet. Read by
 * {@link #read} from the top of {@code mrgc serve autoscaler}'s file and from the {@code autoscaler:} section of
 * {@code mrgc serve control}'s.
 */
public record AutoscalerSettings(ScalingConfig scaling, LoopConfig loop, FleetSettings fleet) {

  /** Reads the keys under {@code reader} (problems are collected by the reader; a value is null when it has some). */
  public static AutoscalerSettings read(ConfigReader reader, Mode mode) {
    ScalingConfig d = ScalingConfig.defaults();
    ConfigReader s = reader.section("scaling");
    int target = s.integer("targetRpsPerInstance", d.targetRpsPerInstance(), 10, 15,
        "requests per second one GPU instance should carry; the region is sized to RPS / target");
    int min = s.integer("minInstances", d.minInstances(), 1, 100, "the region's floor of instances");
    int max = s.integer("maxInstances", d.maxInstances(), 1, 100,
        "the region's ceiling of instances (at least minInstances)");
    Duration up = s.duration("scaleUpAfter", d.scaleUpAfter(),
        "RPS per ready instance must stay above target this long before a scale-up (no cooldown on scale-up)");
    Duration down = s.duration("scaleDownAfter", d.scaleDownAfter(),
        "RPS must stay below half the target this long before a scale-down");
    Duration cooldown = s.duration("scaleDownCooldown", d.scaleDownCooldown(),
        "no scale-down this soon after the previous one");
    ScalingConfig scaling = s.build("maxInstances", () -> new ScalingConfig(target, up, d.scaleDownBelowFraction(),
        down, cooldown, min, max, d.metricsStaleAfter(), up.compareTo(d.smoothing()) < 0 ? up : d.smoothing()));

    LoopConfig l = LoopConfig.defaults();
    ConfigReader loopKeys = reader.section("loop");
    Duration period = loopKeys.duration("period", l.tickPeriod(),
        "how often the autoscaler evaluates (one router metrics window)");
    Duration ttl = ControlSettings.leaseTtl(loopKeys, "leaseTtl", l.leaseTtl(), "period", period,
        "the lease autoscaler/<region>, renewed every evaluation: a standby takes over this long after a leader "
            + "dies (at once after a graceful stop, which releases it); more than period");
    Duration join = loopKeys.duration("joinTimeout", l.joinTimeout(),
        "an instance that has not joined (no READY heartbeat) this long after launch is terminated and replaced");
    Duration drain = loopKeys.duration("drainTimeout", l.drainTimeout(),
        "a DRAINING instance is terminated after this even if it still has requests");
    LoopConfig loop = loopKeys.build("leaseTtl", () -> new LoopConfig(period, ttl, l.metricsLookback(), join, drain,
        l.heartbeatStaleAfter()));

    FleetSettings fleet = FleetSettings.read(reader.section("fleet"), mode);
    return new AutoscalerSettings(scaling, loop, fleet);
  }
}
