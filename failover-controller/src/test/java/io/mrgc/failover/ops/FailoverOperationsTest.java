package io.mrgc.failover.ops;

import static io.mrgc.failover.loop.ClusterWorld.is;
import static io.mrgc.failover.machine.FailoverState.DEGRADED;
import static io.mrgc.failover.machine.FailoverState.FAILOVER_ACTIVE;
import static io.mrgc.failover.machine.FailoverState.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.failover.health.Verdict;
import io.mrgc.failover.loop.ClusterWorld;
import io.mrgc.failover.loop.Prescaler;
import io.mrgc.failover.loop.RegionOutcome;
import io.mrgc.failover.machine.FailoverState;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.failover.state.TransitionItem;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** drain, undrain, force, status and history, with the controllers acting on them against DynamoDB Local. */
class FailoverOperationsTest {
  private static LocalState state;
  private static StateClient client;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-east-1");
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  /** Records each call and answers what the test says. */
  static final class TestPrescaler implements Prescaler {
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile Readiness answer = Readiness.READY;

    @Override
    public Readiness prepare(String drainingRegion, int currentDial, int nextDial, List<String> survivors) {
      calls.add(drainingRegion + " -> " + nextDial + " % onto " + survivors);
      return answer;
    }
  }

  static FailoverOperations ops(ClusterWorld w) {
    return FailoverOperations.defaults(client, w.regions, w.clock);
  }

  static Predicate<FailoverRowItem> drained() {
    return row -> is(FAILOVER_ACTIVE, 0).test(row) && "DRAINED".equals(row.getDrain());
  }

  @Test
  void aDrainStepsDownWhileTheOthersAreHealthyHoldsTheRegionOutAndAnUndrainBringsItBack() {
    TestPrescaler prescaler = new TestPrescaler();
    ClusterWorld w = new ClusterWorld(client, prescaler);
    FailoverOperations ops = ops(w);
    w.rounds(2);

    FailoverRowItem requested = ops.drain(w.a(), "alice", "kernel upgrade").join();
    assertThat(requested.getDrain()).isEqualTo("DRAINING");
    assertThat(requested.getTrafficDial()).isEqualTo(100);
    w.roundsUntil(w.a(), drained(), 20);
    assertThat(w.rounds(10)).isNotEmpty();
    assertThat(w.row(w.a())).matches(drained(), "still held out");
    assertThat(prescaler.calls).contains(w.a() + " -> 75 % onto [" + w.b() + ", " + w.c() + "]",
        w.a() + " -> 0 % onto [" + w.b() + ", " + w.c() + "]");

    ops.undrain(w.a(), "bob", "upgrade done").join();
    w.roundsUntil(w.a(), is(NORMAL, 100), 30);

    List<TransitionItem> history = ops.history(w.a()).join();
    assertThat(history).extracting(t -> t.getToState() + "/" + t.getToDial() + (t.getDrain() == null ? ""
        : "/" + t.getDrain())).containsExactly(
        "NORMAL/100/DRAINING", "NORMAL/75/DRAINING", "NORMAL/50/DRAINING", "NORMAL/25/DRAINING",
        "FAILOVER_ACTIVE/0/DRAINED", "FAILOVER_ACTIVE/0", "FAILOVER_ACTIVE/10", "RECOVERING/10", "RECOVERING/50",
        "RECOVERING/100", "NORMAL/100");
    assertThat(history.get(0)).satisfies(t -> {
      assertThat(t.getActor()).isEqualTo("alice");
      assertThat(t.getToken()).isZero();
      assertThat(t.getReason()).isEqualTo("drain requested: kernel upgrade");
    });
    assertThat(history.get(5)).satisfies(t -> {
      assertThat(t.getActor()).isEqualTo("bob");
      assertThat(t.getReason()).isEqualTo("undrain: upgrade done");
    });
    assertThat(history.get(1).getActor()).startsWith("ctl-");
    assertThat(history.get(1).getToken()).isPositive();
    w.close();
  }

  @Test
  void aDrainWaitsForThePrescalerAndForTheOtherRegionsHealth() {
    TestPrescaler prescaler = new TestPrescaler();
    prescaler.answer = Prescaler.Readiness.waiting("launching 3 instances in the survivors");
    ClusterWorld w = new ClusterWorld(client, prescaler);
    FailoverOperations ops = ops(w);
    w.rounds(2);
    ops.drain(w.a(), "alice", "maintenance").join();
    w.rounds(8);
    assertThat(w.row(w.a()).getTrafficDial()).isEqualTo(100);
    assertThat(lastDetail(w, w.a())).isEqualTo("drain paused at 100 %: prescaler: launching 3 instances in the "
        + "survivors");
    assertThat(w.row(w.a()).getDrainWaitsFor()).as("in the row, for `mrgc failover status`")
        .isEqualTo("prescaler: launching 3 instances in the survivors");

    prescaler.answer = Prescaler.Readiness.READY;
    w.errorRate(w.b(), 0.2); // b becomes IMPAIRED, then DEGRADED: the drain must not push traffic onto it
    w.roundsUntil(w.b(), is(DEGRADED, 100), 5);
    int dial = w.row(w.a()).getTrafficDial();
    w.rounds(6);
    assertThat(w.row(w.a()).getTrafficDial()).isEqualTo(dial);
    assertThat(lastDetail(w, w.a())).startsWith("drain paused at " + dial + " %: " + w.b() + " is DEGRADED");
    assertThat(w.row(w.a()).getDrainWaitsFor()).startsWith(w.b() + " is DEGRADED");

    w.errorRate(w.b(), 0);
    w.roundsUntil(w.a(), drained(), 30);
    w.rounds(1);
    assertThat(w.row(w.a()).getDrainWaitsFor()).as("drained: nothing to wait for").isNull();
    w.close();
  }

  @Test
  void forceFailoverActiveHoldsTheRegionOutAndForceNormalIsRespectedForAFullHold() {
    ClusterWorld w = new ClusterWorld(client);
    FailoverOperations ops = ops(w);
    w.rounds(2);

    FailoverRowItem forced = ops.force(w.a(), FAILOVER_ACTIVE, "carol", "suspected bad deploy").join();
    assertThat(forced).matches(drained(), "forced out and held");
    w.rounds(10);
    assertThat(w.row(w.a())).matches(drained(), "still held out");

    ops.force(w.a(), NORMAL, "carol", "rolled back").join();
    assertThat(w.row(w.a())).matches(is(NORMAL, 100)).matches(row -> row.getDrain() == null, "no drain");
    w.rounds(5);
    assertThat(w.row(w.a())).matches(is(NORMAL, 100));

    // A forced NORMAL on a region that is really failed: the controller re-evacuates it, after fresh holds.
    w.kill(w.a());
    w.roundsUntil(w.a(), is(FAILOVER_ACTIVE, 0), 10);
    ops.force(w.a(), NORMAL, "carol", "I know better").join();
    w.round();
    assertThat(w.row(w.a()).getFailoverState()).isEqualTo("NORMAL");
    w.roundsUntil(w.a(), is(FAILOVER_ACTIVE, 0), 10);
    assertThat(ops.history(w.a()).join()).extracting(TransitionItem::getReason)
        .contains("force FAILOVER_ACTIVE: suspected bad deploy", "force NORMAL: rolled back",
            "force NORMAL: I know better");
    w.close();
  }

  @Test
  void forceRecoveringStartsTheRampAtItsFirstStep() {
    ClusterWorld w = new ClusterWorld(client);
    FailoverOperations ops = ops(w);
    w.rounds(2);
    ops.force(w.a(), FAILOVER_ACTIVE, "carol", "test").join();
    FailoverRowItem row = ops.force(w.a(), FailoverState.RECOVERING, "carol", "let it back").join();
    assertThat(row).matches(is(FailoverState.RECOVERING, 10));
    assertThat(row.getDrain()).isNull();
    w.roundsUntil(w.a(), is(NORMAL, 100), 20);
    w.close();
  }

  @Test
  void statusShowsEachRegionWithItsObservationsAndCombinedVerdict() {
    ClusterWorld w = new ClusterWorld(client);
    FailoverOperations ops = ops(w);
    w.rounds(2);
    List<RegionStatus> all = ops.status().join();
    assertThat(all).extracting(RegionStatus::region).containsExactlyElementsOf(w.regions);
    assertThat(all).allSatisfy(s -> {
      assertThat(s.row().getFailoverState()).isEqualTo("NORMAL");
      assertThat(s.observations()).hasSize(3);
      assertThat(s.evaluation().verdict()).contains(Verdict.HEALTHY);
    });
    w.close();
  }

  @Test
  void requestsAreValidatedWithExactMessages() {
    ClusterWorld w = new ClusterWorld(client);
    FailoverOperations ops = ops(w);
    assertThatThrownBy(() -> ops.drain("mars-1", "alice", "x"))
        .hasMessage("unknown region mars-1 (known: " + w.regions + ")");
    assertThatThrownBy(() -> ops.drain(w.a(), "alice", " ")).hasMessage("reason must not be blank");
    assertThatThrownBy(() -> ops.force(w.a(), NORMAL, "", "x")).hasMessage("actor must not be blank");
    assertThatThrownBy(() -> ops.force(w.a(), null, "alice", "x")).hasMessage("state must be set");
    w.close();
  }

  @Test
  void drainAndUndrainAreIdempotent() {
    ClusterWorld w = new ClusterWorld(client);
    FailoverOperations ops = ops(w);
    ops.drain(w.a(), "alice", "one").join();
    ops.drain(w.a(), "alice", "two").join();
    ops.undrain(w.a(), "alice", "three").join();
    ops.undrain(w.a(), "alice", "four").join();
    assertThat(ops.history(w.a()).join()).extracting(TransitionItem::getReason)
        .containsExactly("drain requested: one", "undrain: three");
    w.close();
  }

  private static String lastDetail(ClusterWorld w, String region) {
    RegionOutcome outcome = w.round().values().stream()
        .flatMap(report -> report.decision(region).stream())
        .filter(d -> d.outcome() == RegionOutcome.Outcome.UNCHANGED || d.outcome() == RegionOutcome.Outcome.CHANGED)
        .findFirst().orElseThrow();
    return outcome.detail();
  }
}
