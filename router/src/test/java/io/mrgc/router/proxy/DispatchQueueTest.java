package io.mrgc.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.router.metrics.MetricsWindow;
import io.mrgc.router.metrics.RouterMetrics;
import io.mrgc.router.pick.Backend;
import io.mrgc.router.pick.InFlightTracker;
import io.mrgc.router.pick.InstanceHolds;
import io.mrgc.router.pick.OutlierDetector;
import io.mrgc.router.pick.Picker;
import io.mrgc.state.InstanceState;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dispatch queue with the real picker and in-flight tracker, instances serving one tenant at a time: waiters of a
 * tenant that no instance has room for do not block waiters of another tenant, and a tenant's turn ends for a waiter.
 */
@ExtendWith(VertxExtension.class)
class DispatchQueueTest {
  private static final long NOW = 10_000_000;
  private static final String MODEL = "m1";
  private static final String T = "tenant-t";
  private static final String U = "tenant-u";

  private final InFlightTracker inFlight = new InFlightTracker();
  private final Picker picker = new Picker(Duration.ofSeconds(3), Duration.ofSeconds(30), 1, inFlight,
      new OutlierDetector(5, Duration.ofSeconds(10), 100, () -> NOW), new InstanceHolds(() -> NOW), new Random(1),
      () -> NOW);
  private DispatchQueue queue;
  private List<Backend> snapshot;

  /** A request of {@code tenantId} as the exchange makes it: it asks the queue whether other tenants wait. */
  private final class Request implements DispatchQueue.Waiter {
    private final String tenantId;
    private Picker.Pick pick;
    private int retries;

    Request(String tenantId) {
      this.tenantId = tenantId;
    }

    /** Dispatches now, or waits in the queue; true when dispatched. */
    boolean arrive() {
      if (retry()) {
        return true;
      }
      assertThat(queue.offer(this)).isTrue();
      return false;
    }

    @Override
    public boolean retry() {
      retries++;
      Picker.Choice choice = picker.choose(snapshot, NOW, MODEL, tenantId, queue.otherTenantsWait(tenantId, MODEL),
          Set.of());
      pick = choice.pick();
      return pick != null;
    }

    @Override
    public Object busyKey() {
      return DispatchQueue.busyKey(MODEL, tenantId);
    }

    @Override
    public String tenantId() {
      return tenantId;
    }

    @Override
    public String model() {
      return MODEL;
    }

    @Override
    public void timedOut(long waitedMillis) {
      throw new AssertionError("no waiter of these tests times out");
    }

    InFlightTracker.Dispatch dispatch() {
      return pick.dispatch();
    }
  }

  private static Backend instance(String id, int batchSlots, int reportedLoad) {
    return new Backend(id, "127.0.0.1", 9000, InstanceState.READY, reportedLoad, 10, 100, Set.of(MODEL), NOW - 100, 1)
        .withBatching(batchSlots, false);
  }

  /** Runs {@code body} on an event loop with a fresh queue woken by every dispatch end, as in the router. */
  private void onEventLoop(Vertx vertx, VertxTestContext test, Runnable body) {
    vertx.runOnContext(v -> {
      test.verify(() -> {
        queue = new DispatchQueue(vertx, 16, Duration.ofSeconds(30), new RouterMetrics("test-queue", () -> 0,
            new MetricsWindow(0)));
        inFlight.onEnd(queue::wake);
        body.run();
      });
      test.completeNow();
    });
  }

  @Test
  void theBusyKeyIncludesTheTenant() {
    assertThat(DispatchQueue.busyKey(MODEL, T)).isEqualTo(DispatchQueue.busyKey(MODEL, T))
        .isNotEqualTo(DispatchQueue.busyKey(MODEL, U))
        .isNotEqualTo(DispatchQueue.busyKey("m2", T));
    assertThat(DispatchQueue.busyKey(null, T)).as("any model").isEqualTo(DispatchQueue.busyKey(null, T))
        .isNotEqualTo(DispatchQueue.busyKey(null, U)).isNotNull();
  }

  @Test
  void aWaiterOfOneTenantIsServedWhileAnEarlierWaiterOfAnotherStillWaits(Vertx vertx, VertxTestContext test) {
    onEventLoop(vertx, test, () -> {
      snapshot = List.of(instance("a", 2, 0), instance("b", 1, 40)); // b scores worse: U's first request goes to a
      Request u1 = new Request(U);
      Request u2 = new Request(U);
      Request t1 = new Request(T);
      assertThat(u1.arrive() && u2.arrive() && t1.arrive()).isTrue();
      assertThat(u1.pick.backend().instanceId()).isEqualTo("a");
      assertThat(t1.pick.backend().instanceId()).isEqualTo("b");

      Request tWaits = new Request(T); // a serves U, b is full
      Request uWaits = new Request(U); // a and b are full
      assertThat(tWaits.arrive()).isFalse();
      assertThat(uWaits.arrive()).isFalse();
      assertThat(queue.size()).isEqualTo(2);

      u1.dispatch().end(); // a has room for U again, none for T: the wake skips T's waiter, not U's
      assertThat(uWaits.pick).isNotNull();
      assertThat(uWaits.pick.backend().instanceId()).isEqualTo("a");
      assertThat(tWaits.pick).isNull();
      assertThat(tWaits.retries).as("T's waiter was asked, and still waits").isEqualTo(2);
      assertThat(queue.size()).isEqualTo(1);
      assertThat(queue.otherTenantsWait(U, MODEL)).as("T waits").isTrue();
      assertThat(queue.otherTenantsWait(T, MODEL)).as("no one else does").isFalse();
      assertThat(queue.otherTenantsWait(U, "m2")).as("another model").isFalse();
      assertThat(queue.otherTenantsWait(U, null)).as("any model").isTrue();

      t1.dispatch().end(); // b is idle: T's waiter gets it
      assertThat(tWaits.pick.backend().instanceId()).isEqualTo("b");
      assertThat(queue.isEmpty()).isTrue();
    });
  }

  @Test
  void aTenantsTurnEndsWhileAnotherWaitsAndTheWaiterGetsTheDrainedInstance(Vertx vertx, VertxTestContext test) {
    onEventLoop(vertx, test, () -> {
      snapshot = List.of(instance("a", 2, 0)); // turn: 1 x 2 = 2 more dispatches of T while another tenant waits
      Request first = new Request(T);
      assertThat(first.arrive()).isTrue();
      Request u = new Request(U);
      assertThat(u.arrive()).isFalse();

      Request second = new Request(T);
      assertThat(second.arrive()).as("joins T's batch").isTrue();
      first.dispatch().end(); // U's waiter retries: a still serves T
      assertThat(u.pick).isNull();
      Request third = new Request(T);
      assertThat(third.arrive()).as("the turn's second dispatch").isTrue();
      second.dispatch().end();
      Request fourth = new Request(T);
      assertThat(fourth.arrive()).as("turn over: a room of a is left, but U waits").isFalse();

      third.dispatch().end(); // a drained: U's waiter, first in line, gets it; T's waits for U's turn
      assertThat(u.pick.backend().instanceId()).isEqualTo("a");
      assertThat(fourth.pick).isNull();
      assertThat(queue.size()).isEqualTo(1);

      u.dispatch().end();
      assertThat(fourth.pick.backend().instanceId()).isEqualTo("a");
      assertThat(queue.isEmpty()).isTrue();
    });
  }
}
