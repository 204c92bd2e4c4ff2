package io.mrgc.router.pick;

import static io.mrgc.router.pick.Backends.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.state.items.GpuInstanceItem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * One tenant at a time per instance, up to its batch slots of that tenant's requests: the picker's rooms
 * ({@link InFlightTracker#roomFor}) and the bound on a tenant's turn while other tenants wait.
 */
class TenantDispatchTest extends PickerFixture {
  private static final String T = "tenant-t";
  private static final String U = "tenant-u";
  private static final String V = "tenant-v";
  /** Turn bound of these tests: 2 x batchSlots more dispatches while other tenants wait. */
  private static final int TURN_BATCHES = 2;

  @Override
  Picker picker(long seed) {
    return picker(inFlight, seed, TURN_BATCHES);
  }

  private static Backend batching(String id, int slots) {
    return ready(id, 0, NOW - 100).withBatching(slots, false);
  }

  private static Picker.Choice choose(Picker picker, List<Backend> snapshot, String tenant, boolean othersWait) {
    return picker.choose(snapshot, NOW, "m1", tenant, othersWait, Set.of());
  }

  private static String instanceOf(Picker.Choice choice) {
    return choice.pick().backend().instanceId();
  }

  @Test
  void sameTenantJoinsTheInstanceServingItUntilItsBatchSlotsThenAnIdleOneThenWaits() {
    for (long seed = 1; seed <= 20; seed++) {
      InFlightTracker tracker = new InFlightTracker();
      Picker picker = picker(tracker, seed, TURN_BATCHES);
      List<Backend> snapshot = List.of(batching("a", 3), batching("b", 3), batching("c", 3));
      Map<String, Integer> perInstance = new HashMap<>();
      List<String> order = new ArrayList<>();
      for (int i = 0; i < 9; i++) { // nothing ends: every dispatch stays outstanding
        String id = instanceOf(choose(picker, snapshot, T, false));
        perInstance.merge(id, 1, Integer::sum);
        order.add(id);
      }
      assertThat(perInstance).as("seed %d", seed).containsOnlyKeys("a", "b", "c").allSatisfy((id, count) ->
          assertThat(count).isEqualTo(3));
      // Each instance is filled to its slots before the next idle one is taken.
      assertThat(order.subList(0, 3)).as("seed %d", seed).containsOnly(order.get(0));
      assertThat(order.subList(3, 6)).as("seed %d", seed).containsOnly(order.get(3));
      assertThat(tracker.outstanding(order.get(0))).isEqualTo(3);

      Picker.Choice tenth = choose(picker, snapshot, T, false);
      assertThat(tenth.pick()).isNull();
      assertThat(tenth.busy()).as("every slot taken: wait").isTrue();
    }
  }

  @Test
  void aSecondTenantNeverGetsAnInstanceWithAnotherTenantsDispatchesOutstanding() {
    List<Backend> snapshot = List.of(batching("a", 4), batching("b", 4));
    Picker picker = picker(3);
    Picker.Choice first = choose(picker, snapshot, T, false);
    String servingT = instanceOf(first);
    String other = servingT.equals("a") ? "b" : "a";
    for (int i = 0; i < 4; i++) {
      assertThat(instanceOf(choose(picker, snapshot, U, false))).as("U: only the instance not serving T")
          .isEqualTo(other);
    }
    assertThat(choose(picker, snapshot, U, false).busy()).as("U's instance is full, T's is T's").isTrue();
    assertThat(choose(picker, snapshot, V, false).busy()).as("both serve other tenants").isTrue();
    assertThat(instanceOf(choose(picker, snapshot, T, false))).as("T still joins its own").isEqualTo(servingT);

    // Only when every dispatch of T there has ended does the instance take another tenant.
    assertThat(inFlight.outstanding(servingT)).isEqualTo(2);
    first.pick().dispatch().end();
    assertThat(choose(picker, snapshot, V, false).busy()).as("one T dispatch still outstanding").isTrue();
    Backend backendServingT = snapshot.get(servingT.equals("a") ? 0 : 1);
    assertThat(inFlight.roomFor(backendServingT, V, false, 8)).isEqualTo(InFlightTracker.Room.NONE);
    assertThat(inFlight.roomFor(backendServingT, T, false, 8)).isEqualTo(InFlightTracker.Room.JOIN);
  }

  @Test
  void theInstanceIsIdleForAnotherTenantOnceTheLastDispatchOfTheFirstEnds() {
    List<Backend> snapshot = List.of(batching("a", 2));
    Picker picker = picker(5);
    Picker.Choice one = choose(picker, snapshot, T, false);
    Picker.Choice two = choose(picker, snapshot, T, false);
    assertThat(choose(picker, snapshot, U, false).busy()).isTrue();
    one.pick().dispatch().end();
    assertThat(choose(picker, snapshot, U, false).busy()).isTrue();
    two.pick().dispatch().end();
    assertThat(inFlight.roomFor(snapshot.get(0), U, false, 4)).isEqualTo(InFlightTracker.Room.IDLE);
    assertThat(instanceOf(choose(picker, snapshot, U, false))).isEqualTo("a");
    assertThat(choose(picker, snapshot, T, false).busy()).as("now U's").isTrue();
  }

  @Test
  void sharedBatchesLetAnyTenantJoinUpToTheSlots() {
    List<Backend> snapshot = List.of(ready("a", 0, NOW - 100).withBatching(3, true));
    Picker picker = picker(7);
    assertThat(instanceOf(choose(picker, snapshot, T, false))).isEqualTo("a");
    assertThat(instanceOf(choose(picker, snapshot, U, true))).isEqualTo("a");
    assertThat(instanceOf(choose(picker, snapshot, V, true))).isEqualTo("a");
    Picker.Choice fourth = choose(picker, snapshot, T, false);
    assertThat(fourth.pick()).isNull();
    assertThat(fourth.busy()).as("all three slots taken").isTrue();
  }

  @Test
  void oneSlotIsOneRequestAtATimeWhateverTheTenant() {
    Backend a = ready("a", 0, NOW - 100); // a row without batch_slots: one request at a time
    assertThat(a.batchSlots()).isEqualTo(1);
    Picker picker = picker(9);
    Picker.Choice first = choose(picker, List.of(a), T, false);
    assertThat(choose(picker, List.of(a), T, false).busy()).isTrue();
    assertThat(choose(picker, List.of(a), U, false).busy()).isTrue();
    first.pick().dispatch().end();
    assertThat(instanceOf(choose(picker, List.of(a), U, false))).isEqualTo("a");
  }

  @Test
  void joiningPrefersTheBetterOfTwoInstancesAlreadyServingTheTenant() {
    // Two instances serve T with room; the one reporting far less load wins every comparison between them, and an
    // idle third one is not taken while they have room.
    Backend light = ready("light", 0, NOW - 100).withBatching(8, false);
    Backend heavy = ready("heavy", 40, NOW - 100).withBatching(8, false);
    Backend idle = batching("idle", 8);
    inFlight.begin("light", T, NOW - 50);
    inFlight.begin("heavy", T, NOW - 50);
    Picker picker = picker(11);
    for (int i = 0; i < 6; i++) {
      Picker.Choice choice = choose(picker, List.of(light, heavy, idle), T, false);
      assertThat(instanceOf(choice)).isEqualTo("light");
      choice.pick().dispatch().end();
    }
  }

  @Test
  void whileAnotherTenantWaitsTheInstanceTakesTurnDispatchesMoreOfItsTenantThenDrainsForTheWaiter() {
    Backend a = batching("a", 2); // turn: 2 x 2 = 4 more dispatches of T while others wait
    List<Backend> snapshot = List.of(a);
    Picker picker = picker(13);
    List<InFlightTracker.Dispatch> outstanding = new ArrayList<>();
    // A long session of T with nobody waiting: no bound (each new dispatch replaces one that ended).
    outstanding.add(choose(picker, snapshot, T, false).pick().dispatch());
    for (int i = 0; i < 20; i++) {
      outstanding.add(choose(picker, snapshot, T, false).pick().dispatch());
      outstanding.remove(0).end();
    }
    assertThat(inFlight.sessionDispatches("a")).isEqualTo(21);

    // U starts waiting: T gets exactly 4 more dispatches, counted from then, not from the session's start.
    int more = 0;
    while (true) {
      Picker.Choice choice = choose(picker, snapshot, T, true);
      if (choice.pick() == null) {
        assertThat(choice.busy()).isTrue();
        break;
      }
      more++;
      outstanding.add(choice.pick().dispatch());
      outstanding.remove(0).end(); // T keeps the instance busy all along
      assertThat(more).as("the turn is bounded").isLessThanOrEqualTo(10);
    }
    assertThat(more).isEqualTo(2 * TURN_BATCHES);
    assertThat(choose(picker, snapshot, U, false).busy()).as("T's dispatches still outstanding").isTrue();

    // T's dispatches end: the waiter gets the instance, and T now waits for it.
    outstanding.forEach(InFlightTracker.Dispatch::end);
    assertThat(inFlight.sessionDispatches("a")).as("a new session").isZero();
    Picker.Choice forU = choose(picker, snapshot, U, true);
    assertThat(instanceOf(forU)).isEqualTo("a");
    assertThat(choose(picker, snapshot, T, true).busy()).isTrue();
  }

  @Test
  void theTurnBoundEndsWhenNoOtherTenantWaitsAnyMore() {
    Backend a = batching("a", 2);
    List<Backend> snapshot = List.of(a);
    Picker picker = picker(17);
    InFlightTracker.Dispatch held = choose(picker, snapshot, T, false).pick().dispatch();
    for (int i = 0; i < 2 * TURN_BATCHES; i++) {
      choose(picker, snapshot, T, true).pick().dispatch().end();
    }
    assertThat(choose(picker, snapshot, T, true).busy()).as("turn over while U waits").isTrue();
    // U was served elsewhere (another router's instance, a new one): T may go on.
    assertThat(instanceOf(choose(picker, snapshot, T, false))).isEqualTo("a");
    held.end();
  }

  @Test
  void batchingFiguresComeFromTheHeartbeatRow() {
    GpuInstanceItem item = new GpuInstanceItem();
    item.setInstanceId("i-1");
    item.setEndpoint("http://10.0.0.7:8081");
    item.setState("READY");
    item.setBatchSlots(16);
    item.setSharedBatches(true);
    Backend backend = Backend.from(item);
    assertThat(backend.batchSlots()).isEqualTo(16);
    assertThat(backend.sharedBatches()).isTrue();
    item.setBatchSlots(0);
    item.setSharedBatches(false);
    assertThat(Backend.from(item).batchSlots()).as("0 (an older agent) = 1").isEqualTo(1);
    assertThat(Backend.from(item).sharedBatches()).isFalse();
    item.setBatchSlots(100_000);
    assertThat(Backend.from(item).batchSlots()).isEqualTo(Backend.MAX_BATCH_SLOTS);
  }

  @Test
  void theTurnBoundMustBePositive() {
    assertThatThrownBy(() -> picker(inFlight, 1, 0))
        .hasMessage("tenantTurnBatches must be at least 1, but was 0");
  }
}
