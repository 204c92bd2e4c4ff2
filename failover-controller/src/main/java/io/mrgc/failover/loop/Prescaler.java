package io.mrgc.failover.loop;

import java.util.List;

/**
 * The hook a planned drain calls before each step down: raise the survivors' capacity for the traffic the draining
 * region is about to shed, and say whether it is ready. Called every evaluation while the region drains (so it must
 * be idempotent), with the region's dial now and the dial of the next step; the step waits until it answers ready.
 * {@link io.mrgc.failover.prescale.AutoscalingPrescaler} raises the survivors' autoscaling; {@link #NONE} is always
 * ready.
 */
@FunctionalInterface
public interface Prescaler {
  Prescaler NONE = (drainingRegion, currentDial, nextDial, survivors) -> Readiness.READY;

  Readiness prepare(String drainingRegion, int currentDial, int nextDial, List<String> survivors);

  /** Ready, or not yet and why (shown as the reason the drain is paused). */
  record Readiness(boolean ready, String detail) {
    public static final Readiness READY = new Readiness(true, "ready");

    public static Readiness waiting(String detail) {
      return new Readiness(false, detail);
    }
  }
}
