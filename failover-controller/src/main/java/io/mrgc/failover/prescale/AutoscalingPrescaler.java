package io.mrgc.failover.prescale;

import io.mrgc.common.Check;
import io.mrgc.failover.health.RegionalHealth;
import io.mrgc.failover.loop.Prescaler;
import io.mrgc.state.AutoscalingStateRepository;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.AutoscalingStateItem;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pre-scales a planned drain's survivors through their autoscalers: before each step down it works out the demand the
 * step sheds, raises each survivor's {@code desired_capacity} with an override that lasts
 * {@link PrescalerConfig#overrideFor()} (renewed while the drain goes on), and answers ready once every survivor has
 * that many instances serving.
 *
 * <p>Demand is counted in instances: a region's smoothed RPS from its autoscaling_state row divided by the target RPS
 * per instance, or, where the row's metrics are not fresh, its serving instances (a region whose load is unknown is
 * assumed to need all it has). A step from dial {@code d} to {@code n} sheds {@code (d - n) / d} of the draining
 * region's demand, split evenly over the survivors; each survivor then needs its own demand plus its share, capped
 * at the autoscaler's ceiling. Every answer is computed afresh from the rows, so calling it each evaluation is
 * idempotent: the override is written only when it must rise or is about to expire. A survivor without a running
 * autoscaler (no row, no decision yet, or none recently) cannot be pre-scaled and is not waited for.
 */
public final class AutoscalingPrescaler implements Prescaler {
  private static final Logger LOG = LoggerFactory.getLogger(AutoscalingPrescaler.class);
  /** The override's author, followed by the draining region: shows in {@code mrgc scale status}. */
  public static final String ACTOR_PREFIX = "prescaler: drain of ";
  /** ceil() of a demand that is whole but for rounding must not ask for one more instance. */
  private static final double ROUNDING = 1e-9;

  private final PrescalerConfig config;
  private final AutoscalingStateRepository autoscaling;
  private final GpuInstanceRepository instances;
  private final Clock clock;

  public AutoscalingPrescaler(PrescalerConfig config, StateClient state, Clock clock) {
    this.config = Check.notNull("config", config);
    Check.notNull("state", state);
    this.autoscaling = new AutoscalingStateRepository(state);
    this.instances = new GpuInstanceRepository(state);
    this.clock = Check.notNull("clock", clock);
  }

  @Override
  public Readiness prepare(String drainingRegion, int currentDial, int nextDial, List<String> survivors) {
    if (nextDial >= currentDial || survivors.isEmpty()) {
      return Readiness.READY; // nothing is shed
    }
    long now = clock.millis();
    double shedPerSurvivor = demand(autoscaling.get(drainingRegion).join(), serving(drainingRegion, now))
        * (currentDial - nextDial) / currentDial / survivors.size();
    List<String> waiting = new ArrayList<>();
    LOG.debug("drain of {} {} -> {} %: {} instance(s) of demand for each survivor", drainingRegion, currentDial,
        nextDial, shedPerSurvivor);
    for (String survivor : survivors) {
      AutoscalingStateItem row = autoscaling.get(survivor).join();
      if (!autoscaled(row, now)) {
        LOG.debug("drain of {}: {} has no running autoscaler, not waited for", drainingRegion, survivor);
        continue;
      }
      int serving = serving(survivor, now);
      int needed = Math.min(config.maxInstances(),
          (int) Math.ceil(demand(row, serving) + shedPerSurvivor - ROUNDING));
      raise(row, needed, drainingRegion, now);
      if (serving < needed) {
        waiting.add(survivor + " has " + serving + " of " + needed + " instances serving");
      }
    }
    return waiting.isEmpty() ? Readiness.READY : Readiness.waiting(String.join("; ", waiting));
  }

  /** Writes the override when the survivor's desired capacity is below {@code needed} or ours is half spent. */
  private void raise(AutoscalingStateItem row, int needed, String drainingRegion, long now) {
    int desired = row.getDesiredCapacity() == null ? 0 : row.getDesiredCapacity();
    String actor = ACTOR_PREFIX + drainingRegion;
    boolean ours = row.overrideActiveAt(now) && actor.equals(row.getOverrideBy());
    boolean halfSpent = ours && row.getOverrideUntilMillis() - now < config.overrideFor().toMillis() / 2;
    if (desired >= needed && !halfSpent) {
      return;
    }
    autoscaling.setOverride(row.getRegion(), Math.max(desired, needed), now + config.overrideFor().toMillis(), actor,
        now).join();
    LOG.info("{}: desired capacity of {} raised to {} for the drain's next step", actor, row.getRegion(),
        Math.max(desired, needed));
  }

  /** A region's demand in instances: fresh RPS over the target, else every instance it serves with. */
  private double demand(AutoscalingStateItem row, int serving) {
    if (row != null && AutoscalingStateItem.METRICS_FRESH.equals(row.getMetricsStatus()) && row.getRps() != null) {
      return row.getRps() / config.targetRpsPerInstance();
    }
    return serving;
  }

  private boolean autoscaled(AutoscalingStateItem row, long now) {
    return row != null && !AutoscalingStateItem.METRICS_UNKNOWN.equals(row.getMetricsStatus())
        && now - row.getDecidedAtMillis() <= config.autoscalerStaleAfter().toMillis();
  }

  private int serving(String region, long now) {
    return RegionalHealth.servingInstances(instances.listRegion(region).join(),
        now - config.heartbeatStaleAfter().toMillis());
  }
}
