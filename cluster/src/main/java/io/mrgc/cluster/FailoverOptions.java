package io.mrgc.cluster;

import io.mrgc.common.Check;
import io.mrgc.failover.dials.RoutingStateDials;
import io.mrgc.failover.dials.TrafficDials;
import io.mrgc.failover.health.HealthThresholds;
import io.mrgc.failover.machine.MachineConfig;
import io.mrgc.state.StateClient;
import java.time.Clock;
import java.time.Duration;

/**
 * The local cluster's failover controllers (one per region, the two-observer rule): how often they evaluate, the
 * health thresholds they judge regions by, the state machine's holds and the traffic-dial actuator each controller
 * moves dials with (by default the routing_state rows the local front door follows).
 */
public record FailoverOptions(Duration evaluationPeriod, HealthThresholds health, MachineConfig machine,
    DialsFactory dials) {
  public static final Duration DEFAULT_EVALUATION_PERIOD = Duration.ofSeconds(5);

  /**
   * The traffic-dial actuator of one region's controller, made from that region's state client when the controller
   * starts. The cluster closes the dials it made (when they are {@link AutoCloseable}) as it closes.
   */
  @FunctionalInterface
  public interface DialsFactory {
    /** The local front door's dials: the controller's row writes are what it follows. */
    DialsFactory ROUTING_STATE = (region, state, clock) -> new RoutingStateDials(state, clock);

    TrafficDials create(String region, StateClient state, Clock clock);
  }

  public FailoverOptions {
    Check.positive("evaluationPeriod", evaluationPeriod);
    Check.notNull("health", health);
    Check.notNull("machine", machine);
    Check.notNull("dials", dials);
  }

  /** With the local front door's dials ({@link DialsFactory#ROUTING_STATE}). */
  public FailoverOptions(Duration evaluationPeriod, HealthThresholds health, MachineConfig machine) {
    this(evaluationPeriod, health, machine, DialsFactory.ROUTING_STATE);
  }

  /** Every 5 s; a region needs one serving instance locally (the AWS default is 2); the machine's default holds. */
  public static FailoverOptions defaults() {
    return new FailoverOptions(DEFAULT_EVALUATION_PERIOD, HealthThresholds.defaults().withMinServingInstances(1),
        MachineConfig.defaults());
  }

  /** The same, with the controllers moving dials through {@code newDials} (e.g. Global Accelerator's adapter). */
  public FailoverOptions withDials(DialsFactory newDials) {
    return new FailoverOptions(evaluationPeriod, health, machine, newDials);
  }
}
