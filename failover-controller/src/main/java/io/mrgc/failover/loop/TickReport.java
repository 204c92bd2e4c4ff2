package io.mrgc.failover.loop;

import io.mrgc.failover.health.HealthSignal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One evaluation: this controller's verdict on every region it could observe (written as its observation rows),
 * what it decided for the regions it contends for, and what failed on the way.
 */
public record TickReport(Instant at, List<HealthSignal> observed, List<RegionOutcome> decisions,
    List<String> problems) {

  public TickReport {
    observed = List.copyOf(observed);
    decisions = List.copyOf(decisions);
    problems = List.copyOf(problems);
  }

  public Optional<RegionOutcome> decision(String region) {
    return decisions.stream().filter(d -> d.region().equals(region)).findFirst();
  }
}
