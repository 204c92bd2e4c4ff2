package io.mrgc.failover.loop;

import io.micrometer.core.instrument.MeterRegistry;
import io.mrgc.failover.dials.DialStatus;
import io.mrgc.failover.health.HealthSignal;
import io.mrgc.failover.state.FailoverRowItem;
import java.util.List;

/**
 * What a {@link FailoverController} tells its meters, from inside the loop where the data is. {@link #NONE} exports
 * nothing (the default); {@link #bind} exports to a Micrometer registry (see {@link MicrometerFailoverMetrics} for the
 * meters).
 */
interface FailoverMetrics {
  FailoverMetrics NONE = new FailoverMetrics() {};

  static FailoverMetrics bind(MeterRegistry registry, ControllerConfig config) {
    return new MicrometerFailoverMetrics(registry, config);
  }

  /** This controller's own verdicts of one evaluation; a region missing from them was not observed. */
  default void observed(List<HealthSignal> signals) {}

  /** The row as this leader left it after actuation, and the actuator's status. */
  default void led(FailoverRowItem row, DialStatus dial) {}

  /** One evaluation of a region this controller contends for (a CHANGED outcome is a change it wrote). */
  default void evaluated(RegionOutcome outcome) {}

  /** Whether this controller leads {@code region} now (after each evaluation, and false once it gives it up). */
  default void leading(String region, boolean leads) {}
}
