package io.mrgc.failover.loop;

import static io.mrgc.failover.loop.ClusterWorld.is;
import static io.mrgc.failover.machine.FailoverState.FAILOVER_ACTIVE;
import static io.mrgc.failover.machine.FailoverState.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.failover.health.Verdict;
import io.mrgc.failover.machine.Change;
import io.mrgc.failover.machine.FailoverState;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.failover.state.TransitionItem;
import io.mrgc.state.Lease;
import io.mrgc.state.LeaseManager;
import io.mrgc.state.LocalState;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.StateClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Three controllers against DynamoDB Local in virtual time: observations, the two-observer rule, leases, fencing. */
class FailoverControllerTest {
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

  @Test
  void aFailedRegionIsEvacuatedByTheOtherRegionsAndComesBackGradually() {
    ClusterWorld w = new ClusterWorld(client);
    w.rounds(3);
    assertThat(w.regions).allSatisfy(r -> assertThat(w.row(r).getFailoverState()).isEqualTo("NORMAL"));
    // Each region is decided in the other regions: its own controller never leads it.
    assertThat(w.controllers.get(w.a()).leads(w.a())).isFalse();
    FailoverController leader = w.leaderOf(w.a());

    w.kill(w.a());
    w.roundsUntil(w.a(), is(FAILOVER_ACTIVE, 0), 10);
    // Routers read the same row and fail /healthz/region from here on.
    assertThat(new RoutingStateRepository(client).get(w.a()).join().getFailoverState()).isEqualTo("FAILOVER_ACTIVE");
    assertThat(w.row(w.b()).getFailoverState()).isEqualTo("NORMAL");

    w.revive(w.a());
    w.roundsUntil(w.a(), is(NORMAL, 100), 40);

    FailoverRowItem row = w.row(w.a());
    assertThat(row.getHistory()).extracting(t -> t.getToState() + "/" + t.getToDial()).containsExactly(
        "DEGRADED/100", "FAILOVER_ACTIVE/0", "FAILOVER_ACTIVE/10", "RECOVERING/10", "RECOVERING/50",
        "RECOVERING/100", "NORMAL/100");
    assertThat(w.leaderOf(w.a())).isSameAs(leader);
    assertThat(row.getHistory()).allSatisfy(t -> {
      assertThat(t.getActor()).isEqualTo(leader.id());
      assertThat(t.getToken()).isEqualTo(row.getFencingToken());
      assertThat(t.getReason()).isNotBlank();
    });
    assertThat(row.getHistory()).extracting(TransitionItem::getAtMillis).isSorted();
    assertThat(row.getHistory().get(1).getReason()).startsWith("FAILED for ").contains(" of 3 observers [")
        .contains("probe unreachable");
    assertThat(row.getDialApplied()).isEqualTo(100);
    w.close();
  }

  @Test
  void oneObserverAloneCannotFailARegionButTwoCan() {
    ClusterWorld w = new ClusterWorld(client);
    w.probes.get(w.b()).unreachable(w.a()); // only b's path to a is broken (b is partitioned from a)
    List<Map<String, TickReport>> rounds = w.rounds(20);
    assertThat(w.row(w.a()).getFailoverState()).isEqualTo("NORMAL");
    assertThat(w.row(w.a()).getHistory()).isEmpty();
    // b does see a as FAILED, and says so in its observation; the others outvote it.
    assertThat(rounds.get(19).get(w.b()).observed()).filteredOn(s -> s.region().equals(w.a()))
        .singleElement().satisfies(s -> assertThat(s.verdict()).isEqualTo(Verdict.FAILED));

    w.probes.get(w.c()).unreachable(w.a()); // now two regions cannot reach a
    w.roundsUntil(w.a(), is(FAILOVER_ACTIVE, 0), 10);
    assertThat(w.row(w.a()).getHistory().get(1).getReason()).contains("FAILED by 2 of 3 observers");
    w.close();
  }

  @Test
  void aLoneSurvivingControllerCannotFailARegion() {
    ClusterWorld w = new ClusterWorld(client);
    w.rounds(2);
    w.kill(w.a());
    w.stopped.add(w.a());
    w.stopped.add(w.c()); // only b evaluates: its observations are the only fresh ones
    w.rounds(20);
    FailoverRowItem row = w.row(w.a());
    assertThat(row.getFailoverState()).isEqualTo("NORMAL");

    w.stopped.remove(w.c());
    w.roundsUntil(w.a(), is(FAILOVER_ACTIVE, 0), 10);
    w.close();
  }

  @Test
  void aStaleLeadersWriteIsRejectedAndItStopsActing() {
    ClusterWorld w = new ClusterWorld(client);
    w.rounds(2);
    FailoverController old = w.leaderOf(w.a());
    long[] usurperToken = new long[1];
    old.beforeWrite(() -> {
      // The old leader pauses past its lease between deciding and writing; a new leader takes over and writes.
      old.beforeWrite(() -> {});
      w.clock.advance(Duration.ofSeconds(16));
      LeaseManager leases = new LeaseManager(client, w.clock);
      Lease lease = leases.acquire(FailoverController.leaseName(w.a()), "usurper", Duration.ofSeconds(15))
          .join().orElseThrow();
      usurperToken[0] = lease.fencingToken();
      FailoverRowItem row = w.rows.get(w.a()).join();
      row.apply(new Change(FailoverState.NORMAL, 100, null, "new leader's check"), "usurper", lease.fencingToken(),
          w.clock.millis(), 100);
      w.rows.writeFenced(row, lease.fencingToken()).join();
    });
    w.errorRate(w.a(), 0.2); // IMPAIRED everywhere: the old leader decides NORMAL -> DEGRADED
    RegionOutcome outcome = null;
    for (int i = 0; i < 5 && outcome == null; i++) {
      outcome = w.round().get(controllerRegion(w, old)).decision(w.a())
          .filter(d -> d.outcome() == RegionOutcome.Outcome.FENCED).orElse(null);
    }

    assertThat(outcome).isNotNull();
    assertThat(outcome.change().state()).isEqualTo(FailoverState.DEGRADED);
    assertThat(old.leads(w.a())).isFalse();
    FailoverRowItem row = w.row(w.a());
    assertThat(row.getFencingToken()).isEqualTo(usurperToken[0]);
    assertThat(row.getHistory()).extracting(TransitionItem::getActor).containsExactly("usurper");
    assertThat(row.getFailoverState()).isEqualTo("NORMAL");
    w.close();
  }

  @Test
  void leadershipMovesWhenTheLeaderStopsAndTheNewLeaderCarriesOn() {
    ClusterWorld w = new ClusterWorld(client);
    w.rounds(2);
    FailoverController first = w.leaderOf(w.a());
    String firstRegion = controllerRegion(w, first);
    w.stopped.add(firstRegion); // stops without releasing (a crash)
    w.kill(w.a());
    w.roundsUntil(w.a(), is(FAILOVER_ACTIVE, 0), 12);
    FailoverRowItem row = w.row(w.a());
    assertThat(row.getActor()).isNotEqualTo("ctl-" + firstRegion);
    assertThat(row.getFencingToken()).isGreaterThan(1);
    w.close();
  }

  private static String controllerRegion(ClusterWorld w, FailoverController controller) {
    return w.controllers.entrySet().stream().filter(e -> e.getValue() == controller).findFirst().orElseThrow()
        .getKey();
  }
}
