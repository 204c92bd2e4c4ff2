package io.mrgc.failover.loop;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.mrgc.failover.dials.DialStatus;
import io.mrgc.failover.health.HealthSignal;
import io.mrgc.failover.health.Verdict;
import io.mrgc.failover.machine.FailoverState;
import io.mrgc.failover.state.FailoverRowItem;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One controller's view as meters. Prometheus names; tag {@code region} is the region decided or observed and
 * {@code controller_region} this controller's own (in a registry with a common {@code region} tag, as a router's,
 * the meter's own {@code region} wins):
 *
 * <ul>
 *   <li>per region it contends for, gauges {@code mrgc_failover_state} (0 NORMAL, 1 DEGRADED, 2 FAILOVER_ACTIVE,
 *       3 RECOVERING), {@code mrgc_failover_traffic_dial_percent}, {@code mrgc_failover_dial_applied_percent}
 *       (NaN until the actuator confirms a dial) and {@code mrgc_failover_dial_failed_attempts}: the row and the
 *       actuator as this controller last saw them while leading, NaN while it does not lead; and
 *       {@code mrgc_failover_leader} (1 while it leads, else 0);
 *   <li>per region, gauge {@code mrgc_failover_verdict{region,observer}}: this controller's own verdict (0 HEALTHY,
 *       1 IMPAIRED, 2 FAILED; NaN when it could not observe the region last evaluation);
 *   <li>counters {@code mrgc_failover_transitions_total{to}} (every change it wrote, dial steps within a state
 *       included) and {@code mrgc_failover_evaluations_total{outcome}} (one per evaluation of a region).
 * </ul>
 *
 * Written by the ticking thread, read by the scraping one: the values are volatile.
 */
final class MicrometerFailoverMetrics implements FailoverMetrics {
  private final MeterRegistry registry;
  private final String controllerRegion;
  private final Map<String, Decided> decided = new HashMap<>();
  private final Map<String, Value> verdicts = new HashMap<>();

  MicrometerFailoverMetrics(MeterRegistry registry, ControllerConfig config) {
    this.registry = registry;
    this.controllerRegion = config.region();
    for (String region : config.decidedRegions()) {
      decided.put(region, new Decided(region));
    }
    for (String region : config.regions()) {
      verdicts.put(region, gauge("mrgc.failover.verdict", "This controller's own verdict of the region: "
          + "0 HEALTHY, 1 IMPAIRED, 2 FAILED", Tags.of("region", region, "observer", controllerRegion)));
    }
  }

  @Override
  public void observed(List<HealthSignal> signals) {
    Map<String, Verdict> seen = new HashMap<>();
    signals.forEach(s -> seen.put(s.region(), s.verdict()));
    // Verdict's order is its severity and the gauge's documented scale; no observation is no verdict (NaN).
    verdicts.forEach((region, value) -> value.set(seen.containsKey(region) ? seen.get(region).ordinal() : Double.NaN));
  }

  @Override
  public void led(FailoverRowItem row, DialStatus dial) {
    Decided d = decided.get(row.getRegion());
    // FailoverState's order is the gauge's documented scale.
    d.state.set(FailoverState.parse(row.getFailoverState()).ordinal());
    d.trafficDial.set(row.getTrafficDial());
    d.dialApplied.set(dial.applied() == null ? Double.NaN : dial.applied());
    d.dialFailedAttempts.set(dial.failedAttempts());
  }

  @Override
  public void evaluated(RegionOutcome outcome) {
    count("mrgc.failover.evaluations", "Evaluations of the region by this controller, by outcome",
        outcome.region(), "outcome", outcome.outcome().name());
    if (outcome.outcome() == RegionOutcome.Outcome.CHANGED) {
      count("mrgc.failover.transitions", "Changes of the region's row this controller wrote, by the state written",
          outcome.region(), "to", outcome.change().state().name());
    }
  }

  @Override
  public void leading(String region, boolean leads) {
    Decided d = decided.get(region);
    d.leader.set(leads ? 1 : 0);
    if (!leads) { // what a non-leader last saw is stale: it no longer reads the row
      d.state.clear();
      d.trafficDial.clear();
      d.dialApplied.clear();
      d.dialFailedAttempts.clear();
    }
  }

  private void count(String name, String description, String region, String key, String value) {
    Counter.builder(name).description(description).tags(tags(region).and(key, value)).register(registry)
        .increment();
  }

  private Tags tags(String region) {
    return Tags.of("region", region, "controller_region", controllerRegion);
  }

  private Value gauge(String name, String description, Tags tags) {
    Value value = new Value();
    Gauge.builder(name, value, Value::get).description(description).tags(tags).strongReference(true)
        .register(registry);
    return value;
  }

  /** The gauges of a region this controller contends for. */
  private final class Decided {
    final Value state;
    final Value trafficDial;
    final Value dialApplied;
    final Value dialFailedAttempts;
    final Value leader;

    Decided(String region) {
      Tags tags = tags(region);
      state = gauge("mrgc.failover.state", "The region's failover state as this controller last saw it while "
          + "leading: 0 NORMAL, 1 DEGRADED, 2 FAILOVER_ACTIVE, 3 RECOVERING", tags);
      trafficDial = gauge("mrgc.failover.traffic.dial.percent", "The traffic dial in the region's row", tags);
      dialApplied = gauge("mrgc.failover.dial.applied.percent", "The dial the actuator last confirmed", tags);
      dialFailedAttempts = gauge("mrgc.failover.dial.failed.attempts",
          "The actuator's failing attempts at the current dial (0 when it is applied or under way)", tags);
      leader = gauge("mrgc.failover.leader", "1 while this controller leads the region's decisions, else 0", tags);
      leader.set(0);
    }
  }

  /** A gauge's value, NaN until known. */
  private static final class Value {
    private volatile double value = Double.NaN;

    double get() {
      return value;
    }

    void set(double v) {
      value = v;
    }

    void clear() {
      value = Double.NaN;
    }
  }
}
