package io.mrgc.failover.machine;

import io.mrgc.failover.health.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Drives the pure machine one 5 s evaluation at a time, as the loop does: advance the streaks, decide, "write" the
 * change into the region state, and let the actuator apply the row's dial (or not).
 */
final class MachineSim {
  static final Duration PERIOD = Duration.ofSeconds(5);
  static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");

  record Step(Instant at, Change change) {}

  final FailoverMachine machine = new FailoverMachine(MachineConfig.defaults());
  Instant now = T0;
  RegionState region;
  Streaks streaks = Streaks.NONE;
  Integer applied;
  boolean actuatorWorks = true;
  DrainGate gate = DrainGate.OPEN;
  boolean survivorServing = true;
  final List<Step> steps = new ArrayList<>();
  MachineResult last;

  private final FailoverState initialState;

  MachineSim(FailoverState state, int dial, DrainMode drain) {
    initialState = state;
    region = new RegionState(state, dial, drain, T0);
    applied = dial;
  }

  MachineSim() {
    this(FailoverState.NORMAL, 100, null);
  }

  /** One evaluation {@link #PERIOD} after the last; {@code verdict} null is UNKNOWN. */
  MachineResult tick(Verdict verdict) {
    now = now.plus(PERIOD);
    Evaluation e = verdict == null ? Evaluation.unknown(1, 2, "UNKNOWN") : Evaluation.of(verdict, 3, 2, verdict.name());
    streaks = streaks.next(e.verdict(), now);
    last = machine.decide(new MachineInputs(now, region, e, streaks,
        applied == null ? OptionalInt.empty() : OptionalInt.of(applied), gate, relapses(), survivorServing));
    last.change().ifPresent(c -> {
      region = new RegionState(c.state(), c.dial(), c.drain(), now);
      steps.add(new Step(now, c));
    });
    if (actuatorWorks) {
      applied = region.dial();
    }
    return last;
  }

  /** Evaluations with {@code verdict} for {@code d}; returns the changes made meanwhile. */
  List<Change> run(Verdict verdict, Duration d) {
    int before = steps.size();
    for (long t = 0; t < d.toMillis(); t += PERIOD.toMillis()) {
      tick(verdict);
    }
    return steps.subList(before, steps.size()).stream().map(Step::change).toList();
  }

  /** Evaluations with {@code verdict} until a change, at most {@code max}; the time it took, from now. */
  Duration untilChange(Verdict verdict, Duration max) {
    Instant start = now;
    int before = steps.size();
    while (steps.size() == before) {
      if (Duration.between(start, now).compareTo(max) >= 0) {
        throw new AssertionError("no change within " + max + "; last: " + last.detail());
      }
      tick(verdict);
    }
    return Duration.between(start, now);
  }

  /** Relapses in the last hour, as the loop counts them from the row's history. */
  private int relapses() {
    int count = 0;
    FailoverState before = initialState;
    for (Step step : steps) {
      if (before == FailoverState.RECOVERING && step.change().state() == FailoverState.FAILOVER_ACTIVE
          && !step.at().isBefore(now.minus(machine.config().relapseMemory()))) {
        count++;
      }
      before = step.change().state();
    }
    return count;
  }

  Change lastChange() {
    return steps.get(steps.size() - 1).change();
  }

  FailoverState state() {
    return region.state();
  }

  int dial() {
    return region.dial();
  }
}
