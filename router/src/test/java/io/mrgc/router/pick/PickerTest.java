package io.mrgc.router.pick;

import static io.mrgc.router.pick.Backends.TENANT;
import static io.mrgc.router.pick.Backends.ready;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.router.RouterOptions;
import io.mrgc.state.InstanceState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PickerTest extends PickerFixture {
  private static List<Backend> oneIdleFifteenAtOne() {
    List<Backend> snapshot = new ArrayList<>();
    snapshot.add(ready("i-00", 0, NOW - 100));
    for (int i = 1; i < 16; i++) {
      snapshot.add(ready(String.format("i-%02d", i), 1, NOW - 100));
    }
    return snapshot;
  }

  @Test
  void aBurstTakesEachInstanceOnceThenWaitsAndAnEndedDispatchFreesItsInstance() {
    for (long seed = 1; seed <= 20; seed++) {
      InFlightTracker tracker = new InFlightTracker();
      int[] ends = {0};
      tracker.onEnd(() -> ends[0]++);
      Picker picker = picker(tracker, seed, RouterOptions.DEFAULT_TENANT_TURN_BATCHES);
      Map<String, Picker.Pick> taken = new HashMap<>();
      for (int i = 0; i < 16; i++) { // no completions in between: every dispatch stays outstanding
        Picker.Pick pick = picker.pick(oneIdleFifteenAtOne(), "m1", TENANT, Set.of());
        assertThat(taken.put(pick.backend().instanceId(), pick)).as("seed %d: a second request to one instance",
            seed).isNull();
      }
      Picker.Choice seventeenth = picker.choose(oneIdleFifteenAtOne(), NOW, "m1", TENANT, false, Set.of());
      assertThat(seventeenth.pick()).isNull();
      assertThat(seventeenth.busy()).as("every instance busy: wait, do not fail").isTrue();

      taken.get("i-07").dispatch().end();
      assertThat(ends[0]).isEqualTo(1);
      assertThat(picker.pick(oneIdleFifteenAtOne(), "m1", TENANT, Set.of()).backend().instanceId()).isEqualTo("i-07");
    }
  }

  @Test
  void heartbeatsAreJudgedAsOfTheSnapshotReadSoAStoreOutageIsNotAFleetOutage() {
    // Read 10 s ago (the store has been down since), when both heartbeats were 1 s old.
    long takenAt = NOW - 10_000;
    List<Backend> snapshot = List.of(ready("a", 0, takenAt - 1_000), ready("b", 0, takenAt - 1_000));
    Picker picker = picker(3);
    assertThat(picker.pick(snapshot, takenAt, null, TENANT, Set.of()).failOpen()).isFalse();
    assertThat(picker.eligibleInSnapshot(snapshot.get(0), null, takenAt)).isTrue();
    // The same rows in a snapshot read just now are stale: those instances stopped heart-beating.
    assertThat(picker.pick(snapshot, NOW, null, TENANT, Set.of()).failOpen()).isTrue();
    assertThat(picker.eligibleInSnapshot(snapshot.get(0), null, NOW)).isFalse();
  }

  @Test
  void anInstanceReportingHealthZeroIsFilteredOut() {
    Backend sick = new Backend("sick", "127.0.0.1", 9000, InstanceState.READY, 0, 10, 0, Set.of("m1"), NOW - 100,
        Backends.LONG_AGO);
    Backend well = ready("well", 20, NOW - 100);
    Picker picker = picker(5);
    for (int i = 0; i < 50; i++) {
      Picker.Pick pick = picker.pick(List.of(sick, well), "m1", TENANT, Set.of());
      assertThat(pick.backend().instanceId()).isEqualTo("well");
      pick.dispatch().end();
    }
    assertThat(picker.pick(List.of(sick), "m1", TENANT, Set.of()).failOpen()).as("fail-open still routes").isTrue();
  }

  @Test
  void nearEqualScoresAreTiesSoAQuietPeriodSpreadsOverBothInstances() {
    // Two idle instances in slow start, started 5 ms apart: their scores differ by a hair.
    Backend older = Backends.startedAt(ready("older", 0, NOW - 100), NOW - 10_005);
    Backend younger = Backends.startedAt(ready("younger", 0, NOW - 100), NOW - 10_000);
    Picker picker = picker(9);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 200; i++) {
      Picker.Pick pick = picker.pick(List.of(older, younger), "m1", TENANT, Set.of());
      counts.merge(pick.backend().instanceId(), 1, Integer::sum);
      pick.dispatch().end(); // sequential requests: nothing stays outstanding
    }
    assertThat(counts.get("older")).isBetween(60, 140);
    assertThat(counts.get("younger")).isBetween(60, 140);
  }

  @Test
  void argmaxOverTheSameSnapshotWouldHerdTheWholeBurst() {
    // The failure the picker avoids: the stale best instance stays "best" for every request of the burst.
    List<Backend> snapshot = oneIdleFifteenAtOne();
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 256; i++) {
      Backend best = snapshot.stream().max((a, b) -> Double.compare(
          Scoring.score(a.reportedLoad(), a.latencyEwmaMs(), a.health()),
          Scoring.score(b.reportedLoad(), b.latencyEwmaMs(), b.health()))).orElseThrow();
      counts.merge(best.instanceId(), 1, Integer::sum);
    }
    assertThat(counts).containsExactly(Map.entry("i-00", 256));
  }

  @Test
  void ownInFlightCountsOnlyDispatchesSinceTheReport() {
    Backend reported = ready("a", 4, NOW - 500);
    Picker picker = picker(1);
    Picker.Pick pick = picker.pick(List.of(reported), null, TENANT, Set.of());
    assertThat(picker.estimatedLoad(reported)).as("counted at pick time").isEqualTo(5);
    InFlightTracker.Dispatch before = inFlight.begin("a", TENANT, NOW - 1_000); // already inside the report
    assertThat(picker.estimatedLoad(reported)).isEqualTo(5);
    InFlightTracker.Dispatch after = inFlight.begin("a", TENANT, NOW - 100);
    assertThat(picker.estimatedLoad(reported)).isEqualTo(6);
    pick.dispatch().end();
    pick.dispatch().end(); // idempotent
    after.end();
    before.end();
    assertThat(picker.estimatedLoad(reported)).isEqualTo(4);
    assertThat(inFlight.outstanding("a")).isZero();
    assertThat(inFlight.busy("a")).isFalse();
  }

  @Test
  void filtersDropStaleNotRoutableEjectedAndWrongModelInstances() {
    Backend good = ready("good", 10, NOW);
    Backend stale = ready("stale", 0, NOW - 3_001);
    Backend washing = Backends.withState(ready("washing", 0, NOW), InstanceState.WASHING);
    Backend ejected = ready("ejected", 0, NOW);
    Backend otherModel = Backends.models(ready("other", 0, NOW), Set.of("m2"));
    outliers.fleetSize(5);
    outliers.connectFailed("ejected");
    Picker picker = picker(3);
    for (int i = 0; i < 50; i++) {
      Picker.Pick pick = picker.pick(List.of(good, stale, washing, ejected, otherModel), "m1", TENANT, Set.of());
      assertThat(pick.backend().instanceId()).isEqualTo("good");
      assertThat(pick.failOpen()).isFalse();
      pick.dispatch().end();
    }
  }

  @Test
  void failsOpenWhenEveryInstanceIsStaleOrEjected() {
    Backend staleA = ready("a", 0, NOW - 60_000);
    Backend staleB = ready("b", 0, NOW - 60_000);
    Picker picker = picker(5);
    Picker.Pick pick = picker.pick(List.of(staleA, staleB), "m1", TENANT, Set.of());
    assertThat(pick).isNotNull();
    assertThat(pick.failOpen()).isTrue();

    Backend freshC = ready("c", 0, NOW);
    outliers.fleetSize(1);
    outliers.connectFailed("c");
    Picker.Pick onlyEjected = picker.pick(List.of(freshC), "m1", TENANT, Set.of());
    assertThat(onlyEjected.backend().instanceId()).isEqualTo("c");
    assertThat(onlyEjected.failOpen()).isTrue();
  }

  @Test
  void ejectedInstanceComesBackAfterItsEjectionTime() {
    Backend a = ready("a", 0, NOW);
    Backend b = ready("b", 20, NOW);
    outliers.fleetSize(2);
    outliers.connectFailed("a");
    Picker picker = picker(7);
    Picker.Pick first = picker.pick(List.of(a, b), null, TENANT, Set.of());
    assertThat(first.backend().instanceId()).isEqualTo("b");
    first.dispatch().end();
    clock.addAndGet(10_001);
    Backend aLater = ready("a", 0, clock.get());
    Backend bLater = ready("b", 20, clock.get());
    assertThat(picker.pick(List.of(aLater, bLater), null, TENANT, Set.of()).backend().instanceId()).isEqualTo("a");
  }

  @Test
  void neverPicksAnExcludedInstanceOrOneWithoutEndpoint() {
    Backend a = ready("a", 0, NOW);
    Backend b = Backends.noEndpoint(ready("b", 0, NOW - 60_000));
    Picker picker = picker(9);
    assertThat(picker.pick(List.of(a, b), null, TENANT, Set.of("a"))).isNull();
    assertThat(picker.pick(List.of(b), null, TENANT, Set.of())).isNull();
    assertThat(picker.pick(List.of(), null, TENANT, Set.of())).isNull();
  }

  @Test
  void slowStartKeepsANewIdleInstanceFromBeingFlooded() {
    List<Backend> snapshot = new ArrayList<>();
    snapshot.add(Backends.startedAt(ready("new", 0, NOW - 100), NOW - 1_000)); // 1 s old, reports idle
    for (int i = 1; i < 16; i++) {
      snapshot.add(ready("old-" + i, 1, NOW - 100));
    }
    Picker picker = picker(11);
    assertThat(picker.slowStartFactor(snapshot.get(0), NOW)).isEqualTo(Picker.SLOW_START_MIN_FACTOR);
    assertThat(picker.slowStartFactor(snapshot.get(1), NOW)).isEqualTo(1.0);
    int toNew = 0;
    for (int i = 0; i < 256; i++) {
      Picker.Pick pick = picker.pick(snapshot, null, TENANT, Set.of());
      if (pick.backend().instanceId().equals("new")) {
        toNew++;
      }
      pick.dispatch().end(); // sequential requests: each instance is free again for the next
    }
    assertThat(toNew).as("at most 2x its fair share of 16 during slow start").isLessThanOrEqualTo(32);
    assertThat(picker.slowStartFactor(snapshot.get(0), NOW + 14_000)).isEqualTo(0.5);
  }

  @Test
  void failOpenNeverPicksAnInstanceTakenOutExplicitly() {
    // Every heartbeat stale: the filters leave nothing and the picker fails open, but never to these.
    long old = NOW - 60_000;
    Backend quarantined = Backends.withState(ready("quarantined", 0, old), InstanceState.QUARANTINED);
    Backend draining = Backends.withState(ready("draining", 0, old), InstanceState.DRAINING);
    Backend terminated = Backends.withState(ready("terminated", 0, old), InstanceState.TERMINATED);
    Backend washing = Backends.withState(ready("washing", 0, old), InstanceState.WASHING);
    Picker picker = picker(13);
    for (int i = 0; i < 50; i++) {
      Picker.Pick pick = picker.pick(List.of(quarantined, draining, terminated, washing), "m1", TENANT, Set.of());
      assertThat(pick.failOpen()).isTrue();
      assertThat(pick.backend().instanceId()).as("a stale row may be wrong; an explicit state is not")
          .isEqualTo("washing");
      pick.dispatch().end();
    }
    Picker.Choice none = picker.choose(List.of(quarantined, draining, terminated), NOW, "m1", TENANT, false, Set.of());
    assertThat(none.pick()).isNull();
    assertThat(none.busy()).as("nothing to wait for").isFalse();
  }

  @Test
  void picksOnlyAmongInstancesOfTheModelNotEvenFailOpenElsewhere() {
    Backend onlyM1 = ready("only-m1", 0, NOW);
    Backend both = Backends.models(ready("both", 0, NOW), Set.of("m1", "m2"));
    Backend onlyM2 = Backends.models(ready("only-m2", 0, NOW), Set.of("m2"));
    Picker picker = picker(23);
    Map<String, Integer> m2Picks = new HashMap<>();
    for (int i = 0; i < 60; i++) {
      Picker.Pick pick = picker.pick(List.of(onlyM1, both, onlyM2), "m2", TENANT, Set.of());
      m2Picks.merge(pick.backend().instanceId(), 1, Integer::sum);
      pick.dispatch().end();
    }
    assertThat(m2Picks.keySet()).as("two random choices within the model's instances").containsOnly("both", "only-m2");

    // Every instance of m2 stale: fail-open stays within m2's instances, never to the fresh m1 one.
    Backend staleM2 = Backends.models(ready("stale-m2", 0, NOW - 60_000), Set.of("m2"));
    for (int i = 0; i < 20; i++) {
      Picker.Pick pick = picker.pick(List.of(onlyM1, staleM2), "m2", TENANT, Set.of());
      assertThat(pick.backend().instanceId()).isEqualTo("stale-m2");
      assertThat(pick.failOpen()).isTrue();
      pick.dispatch().end();
    }
    // No instance of m3: nothing to wait for, even while an instance of another model is held.
    holds.hold("only-m1");
    Picker.Choice none = picker.choose(List.of(onlyM1, both), NOW, "m3", TENANT, false, Set.of());
    assertThat(none.pick()).isNull();
    assertThat(none.busy()).isFalse();
  }

  @Test
  void failOpenRespectsExclusivity() {
    Backend stale = ready("stale", 0, NOW - 60_000);
    Picker picker = picker(17);
    Picker.Pick pick = picker.pick(List.of(stale), "m1", TENANT, Set.of());
    assertThat(pick.failOpen()).isTrue();
    Picker.Choice second = picker.choose(List.of(stale), NOW, "m1", TENANT, false, Set.of());
    assertThat(second.pick()).isNull();
    assertThat(second.busy()).isTrue();
  }

  @Test
  void aHeldInstanceIsNoCandidateUntilANewerHeartbeatShowsItRoutable() {
    Backend a = ready("a", 0, NOW - 100);
    Backend b = ready("b", 30, NOW - 100); // worse score: only picked while a is out
    Picker picker = picker(19);
    holds.hold("a");
    for (int i = 0; i < 20; i++) {
      Picker.Pick pick = picker.pick(List.of(a, b), "m1", TENANT, Set.of());
      assertThat(pick.backend().instanceId()).isEqualTo("b");
      pick.dispatch().end();
    }
    // Not even fail-open: with b stale too, a held a stays out.
    Picker.Pick failOpen = picker.pick(List.of(a, ready("b", 30, NOW - 60_000)), "m1", TENANT, Set.of());
    assertThat(failOpen.backend().instanceId()).isEqualTo("b");
    failOpen.dispatch().end();
    // Only a, held: wait for it (a later heartbeat may release it), do not fail.
    assertThat(picker.choose(List.of(a), NOW, "m1", TENANT, false, Set.of()).busy()).isTrue();

    clock.addAndGet(500);
    Backend quarantinedRow = Backends.withState(ready("a", 0, clock.get()), InstanceState.QUARANTINED);
    assertThat(holds.isHeld(quarantinedRow)).as("a newer heartbeat, but not routable").isTrue();
    assertThat(holds.isHeld(ready("a", 0, NOW - 100))).as("routable, but the row predates the hold").isTrue();
    Backend readyAgain = ready("a", 0, clock.get());
    assertThat(holds.update(List.of(readyAgain, b))).isTrue();
    assertThat(holds.heldCount()).isZero();
    int toA = 0;
    for (int i = 0; i < 20; i++) {
      Picker.Pick pick = picker.pick(List.of(readyAgain, b), "m1", TENANT, Set.of());
      toA += pick.backend().instanceId().equals("a") ? 1 : 0;
      pick.dispatch().end();
    }
    assertThat(toA).isEqualTo(20);
  }

  @Test
  void reportedStatesAreReadOrNamedForHolds() {
    assertThat(InstanceHolds.isReady(null)).as("an agent that predates the header").isTrue();
    assertThat(InstanceHolds.isReady(" ready ")).isTrue();
    assertThat(InstanceHolds.isReady("WASHING")).isFalse();
    assertThat(InstanceHolds.reason("quarantined")).isEqualTo("QUARANTINED");
    assertThat(InstanceHolds.reason(null)).isEqualTo(InstanceHolds.UNKNOWN);
    assertThat(InstanceHolds.reason("sparkling")).isEqualTo("OTHER");
  }
}
