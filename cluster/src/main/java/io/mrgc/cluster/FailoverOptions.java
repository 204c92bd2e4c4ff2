package io.mrgc.cluster;

import io.mrgc.common.Check;
import io.mrgc.failover.health.HealthThresholds;
import io.mrgc.failover.machine.MachineConfig;

/**
 * The local cluster's failover controllers (one per region, failover-controller's defaults: 5 s evaluations, the
 * two-observer rule): the health thresholds they judge regions by and the state machine's holds.
 */
public record FailoverOptions(HealthThresholds health, MachineConfig machine) {
  public FailoverOptions {
    Check.notNull("health", health);
    Check.notNull("machine", machine);
  }

  /** A region needs one serving instance locally (the AWS default is 2); the machine's default holds. */
  public static FailoverOptions defaults() {
    return new FailoverOptions(HealthThresholds.defaults().withMinServingInstances(1), MachineConfig.defaults());
  }
}
