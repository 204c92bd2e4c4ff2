package io.mrgc.failover.dials;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.failover.TestClock;
import io.mrgc.failover.machine.Change;
import io.mrgc.failover.machine.FailoverState;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.failover.state.FailoverRowRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.StateClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The local front door's dials: the traffic_dial of the region row, written fenced. */
class RoutingStateDialsTest {
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
  void aDialTheRowAlreadySaysIsConfirmedAndAnotherIsWrittenForTheFrontDoor() {
    FailoverRowRepository rows = new FailoverRowRepository(client);
    FailoverRowItem row = rows.getOrCreate("dials-1", clock.millis()).join();
    row.apply(new Change(FailoverState.FAILOVER_ACTIVE, 0, null, "x"), "ctl", 2, clock.millis(), 100);
    rows.writeFenced(row, 2).join();
    RoutingStateDials dials = new RoutingStateDials(client, clock);

    DialStatus confirmed = dials.apply(new DialRequest("dials-1", 0, 2)).join();
    assertThat(confirmed.settled()).isTrue();
    assertThat(rows.get("dials-1").join().getVersion()).isEqualTo(row.getVersion() + 1); // nothing written

    DialStatus written = dials.apply(new DialRequest("dials-1", 10, 2)).join();
    assertThat(written.applied()).isEqualTo(10);
    assertThat(new RoutingStateRepository(client).get("dials-1").join().getTrafficDial()).isEqualTo(10);
    assertThat(dials.status("dials-1")).isEqualTo(written);
  }

  @Test
  void aStaleTokenCannotMoveTheDial() {
    FailoverRowRepository rows = new FailoverRowRepository(client);
    FailoverRowItem row = rows.getOrCreate("dials-2", clock.millis()).join();
    row.apply(new Change(FailoverState.NORMAL, 100, null, "x"), "ctl", 5, clock.millis(), 100);
    rows.writeFenced(row, 5).join();
    RoutingStateDials dials = new RoutingStateDials(client, clock);

    DialStatus refused = dials.apply(new DialRequest("dials-2", 0, 4)).join();
    assertThat(refused.settled()).isFalse();
    assertThat(refused.attempts()).isEqualTo(1);
    assertThat(refused.lastError()).startsWith("ConditionalCheckFailed");
    assertThat(dials.apply(new DialRequest("dials-2", 0, 4)).join().attempts()).isEqualTo(2);
    assertThat(rows.get("dials-2").join().getTrafficDial()).isEqualTo(100);
  }
}
