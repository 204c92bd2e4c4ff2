package io.mrgc.cluster;

import io.mrgc.common.Check;
import io.mrgc.failover.dials.RoutingStateDials;
import io.mrgc.failover.dials.TrafficDials;
import io.mrgc.failover.health.HealthThresholds;
import io.mrgc.failover.loop.ControllerConfig;
import io.mrgc.failover.machine.MachineConfig;
import io.mrgc.failover.prescale.PrescalerConfig;
import io.mrgc.state.StateClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The local cluster's failover controllers (one per region, the two-observer rule): how often they evaluate, the
 * health thresholds they judge regions by, the state machine's holds and the traffic-dial actuator each controller
 * moves dials with (by default the routing_state rows the local front door follows).
 */
public record FailoverOptions(Duration evaluationPeriod, HealthThresholds health, MachineConfig machine,
    DialsFactory dials) {
  public static final Duration DEFAULT_EVALUATION_PERIOD = Duration.ofSeconds(5);
  /** Leases and observations last three evaluations, so one slow tick neither loses a lease nor an observer. */
  private static final int PERIODS_OF_GRACE = 3;

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

  /** The controller of {@code region}: failover-controller's defaults scaled to this evaluation period. */
  ControllerConfig controller(String region, List<String> regions) {
    Duration grace = evaluationPeriod.multipliedBy(PERIODS_OF_GRACE);
    return new ControllerConfig(region, "local-failover-" + region, regions, evaluationPeriod, grace, grace,
        Math.min(2, regions.size()), false, 100, Duration.ofSeconds(1));
  }

  /**
   * How a planned drain pre-scales the other regions: by their autoscalers' target and ceiling ({@code autoscaling}
   * null: no autoscaler runs, so the defaults, and the prescaler waits for no region), instances counted as serving by
   * this health's heartbeat staleness.
   */
  PrescalerConfig prescaler(AutoscalingOptions autoscaling) {
    PrescalerConfig base = PrescalerConfig.defaults();
    if (autoscaling != null) {
      base = base.withAutoscaling(autoscaling.scaling().targetRpsPerInstance(), autoscaling.scaling().maxInstances());
    }
    return new PrescalerConfig(base.targetRpsPerInstance(), base.maxInstances(), base.overrideFor(),
        health.heartbeatStaleAfter(), base.autoscalerStaleAfter());
  }
}
