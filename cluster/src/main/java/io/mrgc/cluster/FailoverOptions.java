package io.mrgc.cluster;

import io.mrgc.common.Check;
import io.mrgc.failover.health.HealthThresholds;
import io.mrgc.failover.loop.ControllerConfig;
import io.mrgc.failover.machine.MachineConfig;
import java.time.Duration;
import java.util.List;

/**
 * The local cluster's failover controllers (one per region, the two-observer rule): how often they evaluate, the
 * health thresholds they judge regions by and the state machine's holds.
 */
public record FailoverOptions(Duration evaluationPeriod, HealthThresholds health, MachineConfig machine) {
  public static final Duration DEFAULT_EVALUATION_PERIOD = Duration.ofSeconds(5);
  /** Leases and observations last three evaluations, so one slow tick neither loses a lease nor an observer. */
  private static final int PERIODS_OF_GRACE = 3;

  public FailoverOptions {
    Check.positive("evaluationPeriod", evaluationPeriod);
    Check.notNull("health", health);
    Check.notNull("machine", machine);
  }

  /** Every 5 s; a region needs one serving instance locally (the AWS default is 2); the machine's default holds. */
  public static FailoverOptions defaults() {
    return new FailoverOptions(DEFAULT_EVALUATION_PERIOD, HealthThresholds.defaults().withMinServingInstances(1),
        MachineConfig.defaults());
  }

  /** The controller of {@code region}: failover-controller's defaults scaled to this evaluation period. */
  ControllerConfig controller(String region, List<String> regions) {
    Duration grace = evaluationPeriod.multipliedBy(PERIODS_OF_GRACE);
    return new ControllerConfig(region, "local-failover-" + region, regions, evaluationPeriod, grace, grace,
        Math.min(2, regions.size()), false, 100, Duration.ofSeconds(1));
  }
}
