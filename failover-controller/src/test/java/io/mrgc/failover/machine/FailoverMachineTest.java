package io.mrgc.failover.machine;

import static io.mrgc.failover.health.Verdict.FAILED;
import static io.mrgc.failover.health.Verdict.HEALTHY;
import static io.mrgc.failover.health.Verdict.IMPAIRED;
import static io.mrgc.failover.machine.FailoverState.DEGRADED;
import static io.mrgc.failover.machine.FailoverState.FAILOVER_ACTIVE;
import static io.mrgc.failover.machine.FailoverState.NORMAL;
import static io.mrgc.failover.machine.FailoverState.RECOVERING;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.failover.health.Verdict;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every transition, its hold, and the anti-flap guarantees, on the pure machine with 5 s evaluations. */
class FailoverMachineTest {
  static Duration s(long seconds) {
    return Duration.ofSeconds(seconds);
  }

  // Unplanned failover
  @Test
  void normalBecomesDegradedOnlyOnceImpairedHasHeld() {
    MachineSim sim = new MachineSim();
    assertThat(sim.tick(IMPAIRED).change()).isEmpty();
    assertThat(sim.tick(IMPAIRED).change()).isPresent();
    assertThat(sim.state()).isEqualTo(DEGRADED);
    assertThat(sim.dial()).isEqualTo(100);
    assertThat(sim.lastChange().reason()).isEqualTo("IMPAIRED for 5 s (2 evaluations): IMPAIRED");
  }

  @Test
  void degradedBecomesNormalAfterTheLongerClearHold() {
    MachineSim sim = new MachineSim(DEGRADED, 100, null);
    Duration took = sim.untilChange(HEALTHY, s(120));
    assertThat(took).isEqualTo(s(35)); // first healthy evaluation at 5 s, held 30 s from it
    assertThat(sim.state()).isEqualTo(NORMAL);
    assertThat(sim.lastChange().reason()).startsWith("HEALTHY for 30 s (7 evaluations)");
  }

  @Test
  void aFailureGoesThroughDegradedToFailoverActiveTenSecondsAfterTheQuorumFirstSawIt() {
    MachineSim sim = new MachineSim();
    sim.tick(FAILED);
    sim.tick(FAILED);
    assertThat(sim.state()).isEqualTo(DEGRADED);
    sim.tick(FAILED);
    assertThat(sim.state()).isEqualTo(FAILOVER_ACTIVE);
    assertThat(sim.dial()).isZero();
    assertThat(sim.lastChange().reason()).isEqualTo("FAILED for 10 s (3 evaluations): FAILED");
    assertThat(sim.steps).extracting(step -> step.change().state()).containsExactly(DEGRADED, FAILOVER_ACTIVE);
  }

  @Test
  void evacuationDoesNotWaitForTheDialActuator() {
    MachineSim sim = new MachineSim();
    sim.actuatorWorks = false;
    sim.run(FAILED, s(15));
    assertThat(sim.state()).isEqualTo(FAILOVER_ACTIVE);
    assertThat(sim.applied).isEqualTo(100);
  }

  @Test
  void theLastServingRegionIsNotEvacuated() {
    MachineSim sim = new MachineSim();
    sim.survivorServing = false;
    sim.run(FAILED, s(120));
    assertThat(sim.state()).isEqualTo(DEGRADED);
    assertThat(sim.last.detail()).startsWith("FAILED for ").contains("not evacuated: no other region is serving");
    sim.survivorServing = true;
    sim.tick(FAILED);
    assertThat(sim.state()).isEqualTo(FAILOVER_ACTIVE);
  }

  // Failback and the recovery ramp
  @Test
  void anEvacuatedRegionSetsTheFirstStepThenRecoversOnceTheActuatorConfirmsIt() {
    MachineSim sim = new MachineSim(FAILOVER_ACTIVE, 0, null);
    Duration took = sim.untilChange(HEALTHY, s(300));
    assertThat(took).isEqualTo(s(65)); // 12 evaluations and 60 s from the first healthy one
    assertThat(sim.state()).isEqualTo(FAILOVER_ACTIVE);
    assertThat(sim.dial()).isEqualTo(10);
    assertThat(sim.lastChange().reason()).endsWith("dial set to 10 % before failback");
    sim.tick(HEALTHY);
    assertThat(sim.state()).isEqualTo(RECOVERING);
    assertThat(sim.dial()).isEqualTo(10);
  }

  @Test
  void failbackWaitsForTheActuatorSoTrafficNeverSnapsBackAtTheOldDial() {
    MachineSim sim = new MachineSim(FAILOVER_ACTIVE, 0, null);
    sim.actuatorWorks = false; // e.g. the GA control plane is unreachable
    sim.run(HEALTHY, s(600));
    assertThat(sim.state()).isEqualTo(FAILOVER_ACTIVE);
    assertThat(sim.dial()).isEqualTo(10);
    assertThat(sim.last.detail()).isEqualTo("waiting for the dial actuator to confirm 10 % before failback");
    sim.actuatorWorks = true;
    sim.applied = 10;
    sim.tick(HEALTHY);
    assertThat(sim.state()).isEqualTo(RECOVERING);
  }

  @Test
  void theRampGoesTenFiftyHundredWithAHealthyHoldAtEachStepThenNormal() {
    MachineSim sim = new MachineSim(RECOVERING, 10, null);
    assertThat(sim.untilChange(HEALTHY, s(300))).isEqualTo(s(65)); // 60 s from the first healthy evaluation
    assertThat(sim.dial()).isEqualTo(50);
    assertThat(sim.untilChange(HEALTHY, s(300))).isEqualTo(s(60));
    assertThat(sim.dial()).isEqualTo(100);
    assertThat(sim.state()).isEqualTo(RECOVERING);
    assertThat(sim.untilChange(HEALTHY, s(300))).isEqualTo(s(60));
    assertThat(sim.state()).isEqualTo(NORMAL);
    assertThat(sim.steps).extracting(step -> step.change().dial()).containsExactly(50, 100, 100);
    assertThat(sim.steps.get(0).change().reason()).startsWith("ramp 10 -> 50 %: HEALTHY for ");
  }

  @Test
  void aNonHealthyEvaluationPausesTheRamp() {
    MachineSim sim = new MachineSim(RECOVERING, 50, null);
    sim.run(HEALTHY, s(55));
    sim.tick(IMPAIRED); // one wobble: not enough to abort, enough to restart the hold
    assertThat(sim.dial()).isEqualTo(50);
    assertThat(sim.untilChange(HEALTHY, s(300))).isEqualTo(s(65)); // 60 s from the next healthy evaluation
    assertThat(sim.dial()).isEqualTo(100);
  }

  @Test
  void theHealthGateAbortsARampBackToTheFirstStep() {
    MachineSim sim = new MachineSim(RECOVERING, 50, null);
    sim.tick(IMPAIRED);
    assertThat(sim.tick(IMPAIRED).change()).isPresent();
    assertThat(sim.state()).isEqualTo(RECOVERING);
    assertThat(sim.dial()).isEqualTo(10);
    assertThat(sim.lastChange().reason()).startsWith("health gate: IMPAIRED for 5 s (2 evaluations), ramp back "
        + "from 50 to 10 %");
    assertThat(sim.run(IMPAIRED, s(300))).isEmpty(); // at the first step it stays, impaired but not failed
  }

  @Test
  void aRelapseWhileRecoveringEvacuatesAgain() {
    MachineSim sim = new MachineSim(RECOVERING, 50, null);
    sim.tick(FAILED);
    sim.tick(FAILED); // IMPAIRED-or-worse held: the gate takes the ramp back to 10 first
    sim.tick(FAILED);
    assertThat(sim.state()).isEqualTo(FAILOVER_ACTIVE);
    assertThat(sim.dial()).isZero();
    assertThat(sim.lastChange().reason()).startsWith("relapse: FAILED for 10 s");
  }

  @Test
  void eachRelapseDoublesTheHealthyHoldBeforeTheNextFailback() {
    MachineSim sim = new MachineSim(FAILOVER_ACTIVE, 0, null);
    assertThat(sim.untilChange(HEALTHY, s(3600))).isEqualTo(s(65)); // pre-position after 60 s
    sim.tick(HEALTHY); // RECOVERING at 10
    sim.run(FAILED, s(15)); // relapse
    assertThat(sim.state()).isEqualTo(FAILOVER_ACTIVE);
    assertThat(sim.untilChange(HEALTHY, s(3600))).isEqualTo(s(125)); // 120 s
    sim.tick(HEALTHY);
    sim.run(FAILED, s(15));
    assertThat(sim.untilChange(HEALTHY, s(3600))).isEqualTo(s(245)); // 240 s
    assertThat(sim.steps).filteredOn(step -> step.change().reason().startsWith("relapse")).hasSize(2);
  }

  @Test
  void eachRampStepWaitsForTheActuator() {
    MachineSim sim = new MachineSim(RECOVERING, 10, null);
    sim.actuatorWorks = false;
    sim.applied = null;
    sim.run(HEALTHY, s(300));
    assertThat(sim.dial()).isEqualTo(10);
    assertThat(sim.last.detail()).isEqualTo("waiting for the dial actuator to confirm 10 %");
  }

  // No flapping
  @Test
  void aSignalWobblingEveryEvaluationNeverChangesTheState() {
    MachineSim sim = new MachineSim();
    for (int i = 0; i < 720; i++) { // one hour
      sim.tick(i % 2 == 0 ? IMPAIRED : HEALTHY);
    }
    for (int i = 0; i < 720; i++) {
      sim.tick(i % 2 == 0 ? FAILED : HEALTHY);
    }
    assertThat(sim.steps).isEmpty();
  }

  @Test
  void aSlowerWobbleEntersDegradedOnceAndStaysThere() {
    MachineSim sim = new MachineSim();
    for (int i = 0; i < 720; i++) { // 10 s impaired, 10 s healthy, for an hour
      sim.tick(i % 4 < 2 ? IMPAIRED : HEALTHY);
    }
    assertThat(sim.steps).extracting(step -> step.change().state()).containsExactly(DEGRADED);
  }

  @Test
  void unknownHoldsTheStateAndBreaksEveryStreak() {
    MachineSim sim = new MachineSim(DEGRADED, 100, null);
    for (int i = 0; i < 720; i++) {
      sim.tick(i % 3 == 2 ? null : FAILED);
    }
    assertThat(sim.steps).isEmpty();
    assertThat(sim.tick(null).detail()).isEqualTo("degraded: UNKNOWN");
  }

  // Planned drain
  @Test
  void aDrainStepsTheDialDownEveryHoldAndEndsEvacuatedAndHeld() {
    MachineSim sim = new MachineSim(NORMAL, 100, DrainMode.DRAINING);
    List<Change> changes = sim.run(HEALTHY, s(150));
    assertThat(changes).extracting(Change::dial).containsExactly(75, 50, 25, 0);
    assertThat(sim.steps).extracting(step -> step.at().getEpochSecond() - MachineSim.T0.getEpochSecond())
        .containsExactly(30L, 60L, 90L, 120L);
    assertThat(sim.state()).isEqualTo(FAILOVER_ACTIVE);
    assertThat(sim.region.drain()).isEqualTo(DrainMode.DRAINED);
    assertThat(sim.lastChange().reason()).isEqualTo("drain 25 -> 0 %: evacuated, held out until undrain");
    assertThat(sim.run(HEALTHY, s(3600))).isEmpty(); // no automatic recovery of a drained region
    assertThat(sim.last.detail()).isEqualTo("held out by a drain until undrain");
  }

  @Test
  void aDrainPausesWhileAnotherRegionIsNotHealthy() {
    MachineSim sim = new MachineSim(NORMAL, 100, DrainMode.DRAINING);
    sim.run(HEALTHY, s(30));
    assertThat(sim.dial()).isEqualTo(75);
    sim.gate = DrainGate.closed("us-east-2 is DEGRADED");
    assertThat(sim.run(HEALTHY, s(600))).isEmpty();
    assertThat(sim.last.detail()).isEqualTo("drain paused at 75 %: us-east-2 is DEGRADED");
    sim.gate = DrainGate.OPEN;
    sim.tick(HEALTHY);
    assertThat(sim.dial()).isEqualTo(50);
  }

  @Test
  void aDrainStepWaitsForTheActuatorToConfirmThePreviousOne() {
    MachineSim sim = new MachineSim(NORMAL, 100, DrainMode.DRAINING);
    sim.run(HEALTHY, s(25));
    sim.actuatorWorks = false;
    assertThat(sim.run(HEALTHY, s(300))).extracting(Change::dial).containsExactly(75);
    assertThat(sim.last.detail()).isEqualTo("draining: waiting for the dial actuator to confirm 75 %");
  }

  @Test
  void aRegionThatFailsWhileDrainingIsEvacuatedAtOnceAndStaysHeld() {
    MachineSim sim = new MachineSim(NORMAL, 50, DrainMode.DRAINING);
    sim.run(FAILED, s(15));
    assertThat(sim.state()).isEqualTo(FAILOVER_ACTIVE);
    assertThat(sim.region.drain()).isEqualTo(DrainMode.DRAINED);
    assertThat(sim.steps).extracting(step -> step.change().state()).containsExactly(DEGRADED, FAILOVER_ACTIVE);
  }

  @Test
  void drainingAnEvacuatedRegionHoldsItAtOnce() {
    MachineSim sim = new MachineSim(FAILOVER_ACTIVE, 0, DrainMode.DRAINING);
    sim.tick(HEALTHY);
    assertThat(sim.region.drain()).isEqualTo(DrainMode.DRAINED);
  }

  @Test
  void afterAnUndrainInMidDrainTheRampResumesFromTheDial() {
    MachineSim sim = new MachineSim(NORMAL, 50, null);
    sim.tick(HEALTHY);
    assertThat(sim.state()).isEqualTo(RECOVERING);
    assertThat(sim.dial()).isEqualTo(50);
    sim.run(HEALTHY, s(180));
    assertThat(sim.state()).isEqualTo(NORMAL);
    assertThat(sim.dial()).isEqualTo(100);
  }

  @Test
  void afterAnUndrainOfAnEvacuatedRegionItRecoversLikeAnyOther() {
    MachineSim sim = new MachineSim(FAILOVER_ACTIVE, 0, DrainMode.DRAINED);
    sim.run(HEALTHY, s(600));
    assertThat(sim.state()).isEqualTo(FAILOVER_ACTIVE);
    sim.region = new RegionState(FAILOVER_ACTIVE, 0, null, sim.now); // undrain
    sim.streaks = Streaks.NONE; // the loop restarts the holds after someone else's change
    sim.run(HEALTHY, s(400));
    assertThat(sim.steps).extracting(step -> step.change().state() + "/" + step.change().dial())
        .containsExactly("FAILOVER_ACTIVE/10", "RECOVERING/10", "RECOVERING/50", "RECOVERING/100", "NORMAL/100");
  }

  @Test
  void verdictOrderIsSeverity() {
    assertThat(Verdict.FAILED.atLeast(Verdict.IMPAIRED)).isTrue();
    assertThat(Verdict.HEALTHY.atLeast(Verdict.IMPAIRED)).isFalse();
  }
}
