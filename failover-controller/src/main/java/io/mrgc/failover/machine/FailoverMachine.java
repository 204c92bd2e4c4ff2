package io.mrgc.failover.machine;

import static io.mrgc.failover.machine.FailoverState.DEGRADED;
import static io.mrgc.failover.machine.FailoverState.FAILOVER_ACTIVE;
import static io.mrgc.failover.machine.FailoverState.NORMAL;
import static io.mrgc.failover.machine.FailoverState.RECOVERING;

import io.mrgc.common.Check;
import java.time.Duration;
import java.time.Instant;

/**
 * The failover state machine of one region, pure: the row's state, the combined verdict, the streaks and the dial
 * the actuator confirms go in; a change to write (or none, and why) comes out.
 *
 * <pre>
 *   NORMAL --IMPAIRED held--> DEGRADED --FAILED held--> FAILOVER_ACTIVE --HEALTHY held--> RECOVERING --ramp--> NORMAL
 *          <--HEALTHY held---          <------------------------ FAILED held (relapse) ----
 * </pre>
 *
 * Evacuation (-> FAILOVER_ACTIVE) waits for nothing but its hold: the data plane carries it. Failback first sets the
 * dial to the first ramp step and enters RECOVERING only once the actuator confirms it, so traffic comes back
 * gradually even with Global Accelerator's dial (a passing health check would otherwise send everything back at the
 * old dial). Each ramp step waits for a healthy hold since the previous step and for the actuator; a non-HEALTHY
 * evaluation pauses the ramp and IMPAIRED held aborts it back to the first step.
 *
 * <p>Each relapse within the last {@code relapseMemory} doubles the healthy hold before the next failback (up to
 * 8 times), since an evacuated region has no traffic to fail on and would otherwise come back and relapse in a loop.
 *
 * <p>A drain (operator) steps the dial down while the others are healthy and ends FAILOVER_ACTIVE and DRAINED; a
 * DRAINED region does not recover by itself. A FAILED region that is draining is evacuated at once.
 */
public final class FailoverMachine {
  private final MachineConfig config;

  public FailoverMachine(MachineConfig config) {
    this.config = Check.notNull("config", config);
  }

  public MachineConfig config() {
    return config;
  }

  public MachineResult decide(MachineInputs in) {
    RegionState s = in.current();
    Streaks k = in.streaks();
    Instant now = in.now();
    // Evacuation comes first in every mode and waits for nothing else.
    if ((s.state() == DEGRADED || s.state() == RECOVERING) && k.failed().reached(config.failAfter(), now)) {
      if (!in.survivorServing()) {
        return MachineResult.none("FAILED " + k.failed().describe(now) + " but not evacuated: no other region is "
            + "serving: " + in.evaluation().summary());
      }
      DrainMode drain = s.drain() == null ? null : DrainMode.DRAINED;
      String relapse = s.state() == RECOVERING ? "relapse: " : "";
      return MachineResult.to(new Change(FAILOVER_ACTIVE, 0, drain,
          relapse + "FAILED " + k.failed().describe(now) + ": " + in.evaluation().summary()));
    }
    if (s.drain() == DrainMode.DRAINED) {
      return MachineResult.none("held out by a drain until undrain");
    }
    if (s.drain() == DrainMode.DRAINING) {
      return drain(in);
    }
    return switch (s.state()) {
      case NORMAL -> normal(in);
      case DEGRADED -> degraded(in);
      case FAILOVER_ACTIVE -> evacuated(in);
      case RECOVERING -> recovering(in);
    };
  }

  private MachineResult normal(MachineInputs in) {
    RegionState s = in.current();
    Streak unhealthy = in.streaks().unhealthy();
    if (unhealthy.reached(config.degradeAfter(), in.now())) {
      return MachineResult.to(new Change(DEGRADED, s.dial(), null,
          "IMPAIRED " + unhealthy.describe(in.now()) + ": " + in.evaluation().summary()));
    }
    if (s.dial() < 100) {
      // Left over by an undrain in mid-drain or a force: NORMAL means a full dial, so ramp back up from here.
      return MachineResult.to(new Change(RECOVERING, s.dial(), null,
          "dial " + s.dial() + " % without a drain: ramp resumes"));
    }
    return MachineResult.none("normal: " + in.evaluation().summary());
  }

  private MachineResult degraded(MachineInputs in) {
    RegionState s = in.current();
    Streak healthy = in.streaks().healthy();
    if (healthy.reached(config.clearAfter(), in.now())) {
      FailoverState next = s.dial() < 100 ? RECOVERING : NORMAL;
      return MachineResult.to(new Change(next, s.dial(), null, "HEALTHY " + healthy.describe(in.now())));
    }
    return MachineResult.none("degraded: " + in.evaluation().summary());
  }

  private MachineResult evacuated(MachineInputs in) {
    RegionState s = in.current();
    Streak healthy = in.streaks().healthy();
    Hold needed = config.recoverAfter(in.recentRelapses());
    if (!healthy.reached(needed, in.now())) {
      String relapses = in.recentRelapses() == 0 ? "" : " (" + in.recentRelapses() + " recent relapse"
          + (in.recentRelapses() == 1 ? "" : "s") + ")";
      return MachineResult.none("evacuated; HEALTHY " + healthy.describe(in.now()) + " of " + needed + " needed"
          + relapses + ": " + in.evaluation().summary());
    }
    int first = config.firstRampStep();
    if (s.dial() != first) {
      return MachineResult.to(new Change(FAILOVER_ACTIVE, first, null,
          "HEALTHY " + healthy.describe(in.now()) + ": dial set to " + first + " % before failback"));
    }
    if (!applied(in, first)) {
      return MachineResult.none("waiting for the dial actuator to confirm " + first + " % before failback");
    }
    return MachineResult.to(new Change(RECOVERING, first, null,
        "HEALTHY " + healthy.describe(in.now()) + ": failback starts at " + first + " %"));
  }

  private MachineResult recovering(MachineInputs in) {
    RegionState s = in.current();
    Instant now = in.now();
    int first = config.firstRampStep();
    Streak unhealthy = in.streaks().unhealthy();
    if (s.dial() > first && unhealthy.reached(config.degradeAfter(), now)) {
      return MachineResult.to(new Change(RECOVERING, first, null, "health gate: IMPAIRED " + unhealthy.describe(now)
          + ", ramp back from " + s.dial() + " to " + first + " %: " + in.evaluation().summary()));
    }
    Streak healthy = in.streaks().healthy();
    if (!healthy.reached(config.rampHold(), now)) {
      return MachineResult.none("ramp holds at " + s.dial() + " %; HEALTHY " + healthy.describe(now) + " of "
          + config.rampHold() + " needed: " + in.evaluation().summary());
    }
    Duration sinceStep = Duration.between(s.changedAt(), now);
    if (sinceStep.compareTo(config.rampHold().duration()) < 0) {
      return MachineResult.none("ramp holds at " + s.dial() + " % for " + sinceStep.toSeconds() + " s of "
          + config.rampHold().duration().toSeconds() + " s");
    }
    if (!applied(in, s.dial())) {
      return MachineResult.none("waiting for the dial actuator to confirm " + s.dial() + " %");
    }
    if (s.dial() >= 100) {
      return MachineResult.to(new Change(NORMAL, 100, null,
          "recovered: HEALTHY at 100 % " + healthy.describe(now)));
    }
    int next = config.nextRampStep(s.dial());
    return MachineResult.to(new Change(RECOVERING, next, null,
        "ramp " + s.dial() + " -> " + next + " %: HEALTHY " + healthy.describe(now)));
  }

  private MachineResult drain(MachineInputs in) {
    RegionState s = in.current();
    Instant now = in.now();
    if (s.state() == FAILOVER_ACTIVE) {
      return MachineResult.to(new Change(FAILOVER_ACTIVE, 0, DrainMode.DRAINED,
          "drain: already evacuated; held out until undrain"));
    }
    // The health flags still follow the signal while draining (DEGRADED makes the others pre-scale).
    if (s.state() == NORMAL && in.streaks().unhealthy().reached(config.degradeAfter(), now)) {
      return MachineResult.to(new Change(DEGRADED, s.dial(), DrainMode.DRAINING,
          "IMPAIRED " + in.streaks().unhealthy().describe(now) + " while draining: " + in.evaluation().summary()));
    }
    if (s.state() == DEGRADED && in.streaks().healthy().reached(config.clearAfter(), now)) {
      return MachineResult.to(new Change(NORMAL, s.dial(), DrainMode.DRAINING,
          "HEALTHY " + in.streaks().healthy().describe(now) + " while draining"));
    }
    int next = config.nextDrainStep(s.dial());
    Duration sinceStep = Duration.between(s.changedAt(), now);
    if (sinceStep.compareTo(config.drainHold()) < 0) {
      return MachineResult.none("draining: " + next + " % in " + config.drainHold().minus(sinceStep).toSeconds()
          + " s");
    }
    if (!applied(in, s.dial())) {
      return MachineResult.none("draining: waiting for the dial actuator to confirm " + s.dial() + " %");
    }
    if (!in.drainGate().open()) {
      return MachineResult.none("drain paused at " + s.dial() + " %: " + in.drainGate().detail());
    }
    if (next == 0) {
      return MachineResult.to(new Change(FAILOVER_ACTIVE, 0, DrainMode.DRAINED,
          "drain " + s.dial() + " -> 0 %: evacuated, held out until undrain"));
    }
    // A ramp in progress ends here: the region is healthy and being drained.
    FailoverState state = s.state() == RECOVERING ? NORMAL : s.state();
    return MachineResult.to(new Change(state, next, DrainMode.DRAINING, "drain " + s.dial() + " -> " + next + " %"));
  }

  private static boolean applied(MachineInputs in, int dial) {
    return in.appliedDial().isPresent() && in.appliedDial().getAsInt() == dial;
  }
}
