package io.mrgc.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.state.items.RoutingStateItem;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LeaseManagerTest {
  private static LocalState state;
  private static StateClient client;
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final Clock clock = new Clock() {
    @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(java.time.ZoneId zone) { return this; }
    @Override public Instant instant() { return Instant.ofEpochMilli(now.get()); }
  };

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
  void secondContenderWaitsUntilTheLeaseExpiresAndGetsALargerToken() {
    LeaseManager leases = new LeaseManager(client, clock);
    Lease a = leases.acquire("test/expiry", "a", Duration.ofSeconds(10)).join().orElseThrow();
    assertThat(leases.acquire("test/expiry", "b", Duration.ofSeconds(10)).join()).isEmpty();

    now.addAndGet(10_001);
    Lease b = leases.acquire("test/expiry", "b", Duration.ofSeconds(10)).join().orElseThrow();
    assertThat(b.fencingToken()).isGreaterThan(a.fencingToken());
    assertThatThrownBy(() -> leases.renew(a, Duration.ofSeconds(10)).join())
        .hasCauseInstanceOf(WriteRejectedException.class);
  }

  @Test
  void holderRenewsAndReleasesAndTheNextHolderCanTakeOverAtOnce() {
    LeaseManager leases = new LeaseManager(client, clock);
    Lease a = leases.acquire("test/renew", "a", Duration.ofSeconds(5)).join().orElseThrow();
    now.addAndGet(4_000);
    Lease renewed = leases.renew(a, Duration.ofSeconds(5)).join();
    assertThat(renewed.expiresAtMillis()).isEqualTo(now.get() + 5_000);
    now.addAndGet(4_000);
    assertThat(leases.acquire("test/renew", "b", Duration.ofSeconds(5)).join()).isEmpty();
    leases.release(renewed).join();
    assertThat(leases.acquire("test/renew", "b", Duration.ofSeconds(5)).join()).isPresent();
  }

  @Test
  void aHolderThatLostItsLeaseCannotReleaseTheNextHoldersLease() {
    LeaseManager leases = new LeaseManager(client, clock);
    Lease stale = leases.acquire("test/stale-release", "a", Duration.ofSeconds(5)).join().orElseThrow();
    now.addAndGet(6_000); // a pauses past its lease; b takes it
    Lease current = leases.acquire("test/stale-release", "b", Duration.ofSeconds(5)).join().orElseThrow();

    assertThatThrownBy(() -> leases.release(stale).join()).hasCauseInstanceOf(WriteRejectedException.class);
    assertThat(leases.acquire("test/stale-release", "c", Duration.ofSeconds(5)).join()).isEmpty();
    Lease renewed = leases.renew(current, Duration.ofSeconds(5)).join();
    assertThat(renewed.fencingToken()).isEqualTo(current.fencingToken());

    // Released by its holder, it is taken at once by another, with a larger token.
    leases.release(renewed).join();
    Lease next = leases.acquire("test/stale-release", "c", Duration.ofSeconds(5)).join().orElseThrow();
    assertThat(next.fencingToken()).isGreaterThan(renewed.fencingToken());
  }

  @Test
  void concurrentContendersNeverBothWin() {
    LeaseManager leases = new LeaseManager(client, clock);
    var first = leases.acquire("test/race", "a", Duration.ofSeconds(5));
    var second = leases.acquire("test/race", "b", Duration.ofSeconds(5));
    long winners = java.util.stream.Stream.of(first.join(), second.join()).filter(Optional::isPresent).count();
    assertThat(winners).isEqualTo(1);
  }

  @Test
  void staleLeadersWriteIsRejectedByTheFencingCondition() {
    LeaseManager leases = new LeaseManager(client, clock);
    RoutingStateRepository routing = new RoutingStateRepository(client);
    routing.createIfAbsent("eu-test-1", now.get()).join();

    Lease oldLeader = leases.acquire("failover/eu-test-1", "old", Duration.ofSeconds(5)).join().orElseThrow();
    RoutingStateItem seenByOld = routing.get("eu-test-1").join();

    now.addAndGet(6_000); // the old leader pauses past its lease
    Lease newLeader = leases.acquire("failover/eu-test-1", "new", Duration.ofSeconds(5)).join().orElseThrow();
    RoutingStateItem row = routing.get("eu-test-1").join();
    row.setTrafficDial(50);
    row.setActor("new");
    routing.writeFenced(row, newLeader.fencingToken()).join();

    // The old leader wakes up and writes with its older token (and, here, a fresh read of the version).
    RoutingStateItem fresh = routing.get("eu-test-1").join();
    fresh.setTrafficDial(0);
    fresh.setActor("old");
    assertThatThrownBy(() -> routing.writeFenced(fresh, oldLeader.fencingToken()).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(WriteRejectedException.class);
    seenByOld.setTrafficDial(0);
    assertThatThrownBy(() -> routing.writeFenced(seenByOld, oldLeader.fencingToken()).join())
        .hasCauseInstanceOf(WriteRejectedException.class);
    assertThat(routing.get("eu-test-1").join().getTrafficDial()).isEqualTo(50);
    assertThat(routing.get("eu-test-1").join().getActor()).isEqualTo("new");
  }

  @Test
  void rejectsNonPositiveTtlWithExactMessage() {
    LeaseManager leases = new LeaseManager(client, clock);
    assertThatThrownBy(() -> leases.acquire("x", "a", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lease ttl must be positive, but was PT0S");
  }
}
