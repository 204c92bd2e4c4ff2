package io.mrgc.failover.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.failover.health.HealthSignal;
import io.mrgc.failover.health.ProbeResult;
import io.mrgc.failover.health.Verdict;
import io.mrgc.failover.machine.Change;
import io.mrgc.failover.machine.DrainMode;
import io.mrgc.failover.machine.FailoverState;
import io.mrgc.state.Lease;
import io.mrgc.state.LeaseManager;
import io.mrgc.state.LocalState;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.StateClient;
import io.mrgc.state.WriteRejectedException;
import io.mrgc.state.items.RoutingStateItem;
import io.mrgc.failover.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The controller's region rows and observation rows against DynamoDB Local. */
class FailoverRowRepositoryTest {
  private static LocalState state;
  private static StateClient client;
  private final TestClock clock = new TestClock();

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
  void aChangeAndItsAuditEntryAreOneWriteThatReadersOfTheSharedRowSee() {
    FailoverRowRepository rows = new FailoverRowRepository(client);
    FailoverRowItem row = rows.getOrCreate("rows-1", clock.millis()).join();
    assertThat(row.getFailoverState()).isEqualTo("NORMAL");
    assertThat(row.getTrafficDial()).isEqualTo(100);
    assertThat(row.getHistory()).isEmpty();

    row.apply(new Change(FailoverState.DEGRADED, 100, null, "IMPAIRED for 5 s"), "ctl-b", 3, clock.millis(), 100);
    rows.writeFenced(row, 3).join();

    FailoverRowItem read = rows.get("rows-1").join();
    assertThat(read.getFailoverState()).isEqualTo("DEGRADED");
    assertThat(read.getFencingToken()).isEqualTo(3);
    assertThat(read.getHistory()).singleElement().satisfies(t -> {
      assertThat(t.getFromState()).isEqualTo("NORMAL");
      assertThat(t.getToState()).isEqualTo("DEGRADED");
      assertThat(t.getActor()).isEqualTo("ctl-b");
      assertThat(t.getToken()).isEqualTo(3);
      assertThat(t.getReason()).isEqualTo("IMPAIRED for 5 s");
    });
    // Routers and the front door read the same row through RoutingStateItem.
    RoutingStateItem shared = new RoutingStateRepository(client).get("rows-1").join();
    assertThat(shared.getFailoverState()).isEqualTo("DEGRADED");
    assertThat(shared.getActor()).isEqualTo("ctl-b");
  }

  @Test
  void aWriteThroughTheSharedRepositoryKeepsTheControllersAttributes() {
    FailoverRowRepository rows = new FailoverRowRepository(client);
    FailoverRowItem row = rows.getOrCreate("rows-2", clock.millis()).join();
    row.apply(new Change(FailoverState.NORMAL, 75, DrainMode.DRAINING, "drain 100 -> 75 %"), "ctl", 1,
        clock.millis(), 100);
    rows.writeFenced(row, 1).join();

    RoutingStateRepository shared = new RoutingStateRepository(client);
    RoutingStateItem plain = shared.get("rows-2").join();
    plain.setReason("touched by another writer");
    shared.writeFenced(plain, 1).join();

    FailoverRowItem read = rows.get("rows-2").join();
    assertThat(read.getReason()).isEqualTo("touched by another writer");
    assertThat(read.getDrain()).isEqualTo("DRAINING");
    assertThat(read.getHistory()).hasSize(1);
  }

  @Test
  void aStaleLeadersWriteIsRejected() {
    LeaseManager leases = new LeaseManager(client, clock);
    FailoverRowRepository rows = new FailoverRowRepository(client);
    rows.getOrCreate("rows-3", clock.millis()).join();
    Lease old = leases.acquire("failover/rows-3", "old", Duration.ofSeconds(15)).join().orElseThrow();
    FailoverRowItem seenByOld = rows.get("rows-3").join();

    clock.advance(Duration.ofSeconds(16)); // the old leader pauses past its lease
    Lease current = leases.acquire("failover/rows-3", "new", Duration.ofSeconds(15)).join().orElseThrow();
    FailoverRowItem row = rows.get("rows-3").join();
    row.apply(new Change(FailoverState.DEGRADED, 100, null, "by the new leader"), "new", current.fencingToken(),
        clock.millis(), 100);
    rows.writeFenced(row, current.fencingToken()).join();

    // Its old read (stale version) and a fresh read (current version) are both refused: the token decides.
    seenByOld.apply(new Change(FailoverState.FAILOVER_ACTIVE, 0, null, "stale"), "old", old.fencingToken(),
        clock.millis(), 100);
    assertThatThrownBy(() -> rows.writeFenced(seenByOld, old.fencingToken()).join())
        .hasCauseInstanceOf(WriteRejectedException.class);
    FailoverRowItem fresh = rows.get("rows-3").join();
    fresh.apply(new Change(FailoverState.FAILOVER_ACTIVE, 0, null, "stale"), "old", old.fencingToken(),
        clock.millis(), 100);
    assertThatThrownBy(() -> rows.writeFenced(fresh, old.fencingToken()).join())
        .hasCauseInstanceOf(WriteRejectedException.class);

    FailoverRowItem read = rows.get("rows-3").join();
    assertThat(read.getFailoverState()).isEqualTo("DEGRADED");
    assertThat(read.getHistory()).extracting(TransitionItem::getActor).containsExactly("new");
  }

  @Test
  void anOperatorWriteKeepsTheFencingTokenAndIsVersioned() {
    FailoverRowRepository rows = new FailoverRowRepository(client);
    FailoverRowItem row = rows.getOrCreate("rows-4", clock.millis()).join();
    row.apply(new Change(FailoverState.DEGRADED, 100, null, "x"), "ctl", 7, clock.millis(), 100);
    rows.writeFenced(row, 7).join();

    FailoverRowItem a = rows.get("rows-4").join();
    FailoverRowItem b = rows.get("rows-4").join();
    a.apply(new Change(FailoverState.NORMAL, 100, null, "force NORMAL: ok"), "alice", 0, clock.millis(), 100);
    rows.writeVersioned(a).join();
    b.apply(new Change(FailoverState.FAILOVER_ACTIVE, 0, null, "late"), "ctl", 7, clock.millis(), 100);
    assertThatThrownBy(() -> rows.writeFenced(b, 7).join()).hasCauseInstanceOf(WriteRejectedException.class);

    FailoverRowItem read = rows.get("rows-4").join();
    assertThat(read.getFencingToken()).isEqualTo(7);
    assertThat(read.getActor()).isEqualTo("alice");
  }

  @Test
  void observationRowsAreNotRegionRows() {
    ObservationRepository observations = new ObservationRepository(client);
    Instant at = clock.instant();
    observations.put("obs-b", "ctl-b", new HealthSignal("obs-a", at, Verdict.FAILED, List.of("probe unreachable: x"),
        0, 0, null, null, ProbeResult.Outcome.UNREACHABLE)).join();

    assertThat(observations.of("obs-a", List.of("obs-a", "obs-b", "obs-c")).join()).singleElement()
        .satisfies(item -> {
          assertThat(ObservationRepository.toObservation(item).verdict()).isEqualTo(Verdict.FAILED);
          assertThat(item.getObserver()).isEqualTo("ctl-b");
          assertThat(item.getObservedAtMillis()).isEqualTo(at.toEpochMilli());
        });
    assertThat(new RoutingStateRepository(client).listRegions().join())
        .extracting(RoutingStateItem::getRegion).doesNotContain("obs-a", "obs-b").doesNotContainNull();
  }

  @Test
  void historyKeepsTheNewestEntriesInOrder() {
    FailoverRowItem row = new FailoverRowItem();
    for (int i = 1; i <= 105; i++) {
      row.apply(new Change(i % 2 == 0 ? FailoverState.NORMAL : FailoverState.DEGRADED, 100, null, "change " + i),
          "ctl", i, i, 100);
    }
    assertThat(row.getHistory()).hasSize(100);
    assertThat(row.getHistory().get(0).getReason()).isEqualTo("change 6");
    assertThat(row.getHistory().get(99).getReason()).isEqualTo("change 105");
    assertThat(row.getHistory()).extracting(TransitionItem::getToken).isSorted();
  }

  @Test
  void longReasonsAreCut() {
    FailoverRowItem row = new FailoverRowItem();
    row.apply(new Change(FailoverState.DEGRADED, 100, null, "x".repeat(1000)), "ctl", 1, 1, 100);
    assertThat(row.getReason()).hasSize(FailoverRowItem.REASON_LIMIT).endsWith("...");
  }
}
