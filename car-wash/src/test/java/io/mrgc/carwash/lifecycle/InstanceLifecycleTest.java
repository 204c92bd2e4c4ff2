package io.mrgc.carwash.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.state.InstanceState;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class InstanceLifecycleTest {
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);

  /** The documented table, written out again independently of the implementation. */
  private static final Map<InstanceState, Set<InstanceState>> EXPECTED = Map.of(
      InstanceState.STARTING, EnumSet.of(InstanceState.READY, InstanceState.QUARANTINED, InstanceState.TERMINATED),
      InstanceState.READY, EnumSet.of(InstanceState.BUSY, InstanceState.WASHING, InstanceState.DRAINING,
          InstanceState.QUARANTINED, InstanceState.TERMINATED),
      InstanceState.BUSY, EnumSet.of(InstanceState.WASHING, InstanceState.QUARANTINED, InstanceState.TERMINATED),
      InstanceState.WASHING, EnumSet.of(InstanceState.READY, InstanceState.QUARANTINED, InstanceState.DRAINING,
          InstanceState.TERMINATED),
      InstanceState.DRAINING, EnumSet.of(InstanceState.TERMINATED, InstanceState.QUARANTINED),
      InstanceState.QUARANTINED, EnumSet.of(InstanceState.TERMINATED), // READY only through release()
      InstanceState.TERMINATED, EnumSet.noneOf(InstanceState.class));

  /** Brings a new lifecycle to {@code state} through allowed transitions only. */
  static InstanceLifecycle at(InstanceState state) {
    InstanceLifecycle lifecycle = new InstanceLifecycle("i-1", CLOCK);
    switch (state) {
      case STARTING -> { }
      case READY -> lifecycle.transition(InstanceState.READY, "loaded");
      case BUSY, WASHING, DRAINING -> {
        lifecycle.transition(InstanceState.READY, "loaded");
        lifecycle.transition(state, "setup");
      }
      case QUARANTINED, TERMINATED -> lifecycle.transition(state, "setup");
    }
    assertThat(lifecycle.state()).isEqualTo(state);
    return lifecycle;
  }

  static Stream<Arguments> allPairs() {
    return Stream.of(InstanceState.values())
        .flatMap(from -> Stream.of(InstanceState.values()).map(to -> Arguments.of(from, to)));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("allPairs")
  void everyPairIsAllowedOrRefusedExactlyAsDocumented(InstanceState from, InstanceState to) {
    InstanceLifecycle lifecycle = at(from);
    List<InstanceLifecycle.Transition> seen = new ArrayList<>();
    lifecycle.addListener(seen::add);
    boolean allowed = EXPECTED.get(from).contains(to);
    assertThat(InstanceLifecycle.allowed(from, to)).isEqualTo(allowed);
    if (allowed) {
      InstanceLifecycle.Transition t = lifecycle.transition(to, "test");
      assertThat(lifecycle.state()).isEqualTo(to);
      assertThat(seen).containsExactly(t);
      assertThat(t).isEqualTo(new InstanceLifecycle.Transition("i-1", from, to, "test", "agent", 1_700_000_000_000L));
    } else {
      String expected = from == InstanceState.QUARANTINED && to == InstanceState.READY
          ? "instance i-1: illegal transition QUARANTINED -> READY (test); "
              + "only an operator release returns a QUARANTINED instance to READY"
          : "instance i-1: illegal transition " + from + " -> " + to + " (test); allowed from " + from + ": "
              + InstanceLifecycle.ALLOWED.get(from);
      assertThatThrownBy(() -> lifecycle.transition(to, "test"))
          .isInstanceOf(IllegalTransitionException.class)
          .hasMessage(expected);
      assertThat(lifecycle.state()).isEqualTo(from);
      assertThat(seen).isEmpty();
    }
  }

  @Test
  void refusalMessagesAreExact() {
    assertThatThrownBy(() -> at(InstanceState.BUSY).transition(InstanceState.READY, "done"))
        .hasMessage("instance i-1: illegal transition BUSY -> READY (done); allowed from BUSY: "
            + "[WASHING, QUARANTINED, TERMINATED]");
    assertThatThrownBy(() -> at(InstanceState.TERMINATED).transition(InstanceState.READY, "x"))
        .hasMessage("instance i-1: illegal transition TERMINATED -> READY (x); allowed from TERMINATED: []");
  }

  @Test
  void onlyAnOperatorReleasesAQuarantinedInstance() {
    InstanceLifecycle lifecycle = at(InstanceState.QUARANTINED);
    List<InstanceLifecycle.Transition> seen = new ArrayList<>();
    lifecycle.addListener(seen::add);
    assertThatThrownBy(() -> lifecycle.release(" ", "fixed")).hasMessage("release needs the operator's name");
    InstanceLifecycle.Transition t = lifecycle.release("alice", "model files restored");
    assertThat(lifecycle.state()).isEqualTo(InstanceState.READY);
    assertThat(t.actor()).isEqualTo("alice");
    assertThat(t.from()).isEqualTo(InstanceState.QUARANTINED);
    assertThat(seen).containsExactly(t);
    assertThatThrownBy(() -> lifecycle.release("alice", "again"))
        .isInstanceOf(IllegalTransitionException.class)
        .hasMessage("instance i-1: cannot release from READY; only a QUARANTINED instance is released");
  }

  @Test
  void transitionIfChecksTheCurrentState() {
    InstanceLifecycle lifecycle = at(InstanceState.READY);
    assertThat(lifecycle.transitionIf(InstanceState.WASHING, InstanceState.READY, "x")).isFalse();
    assertThat(lifecycle.transitionIf(InstanceState.READY, InstanceState.BUSY, "request r1")).isTrue();
    assertThat(lifecycle.state()).isEqualTo(InstanceState.BUSY);
    assertThatThrownBy(() -> lifecycle.transitionIf(InstanceState.BUSY, InstanceState.READY, "x"))
        .isInstanceOf(IllegalTransitionException.class);
  }

  @Test
  void aFailingListenerDoesNotUndoTheTransitionNorStopOthers() {
    InstanceLifecycle lifecycle = at(InstanceState.STARTING);
    AtomicInteger calls = new AtomicInteger();
    lifecycle.addListener(t -> { throw new IllegalStateException("boom"); });
    lifecycle.addListener(t -> calls.incrementAndGet());
    lifecycle.transition(InstanceState.READY, "loaded");
    assertThat(lifecycle.state()).isEqualTo(InstanceState.READY);
    assertThat(calls).hasValue(1);
  }

  @Test
  void concurrentRequestCyclesNeverSkipAWash() throws Exception {
    InstanceLifecycle lifecycle = at(InstanceState.READY);
    List<InstanceState> order = java.util.Collections.synchronizedList(new ArrayList<>());
    lifecycle.addListener(t -> order.add(t.to()));
    int threads = 4;
    int cycles = 500;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    AtomicInteger done = new AtomicInteger();
    for (int i = 0; i < threads; i++) {
      Thread worker = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        int mine = 0;
        while (mine < cycles) {
          // Only one thread wins READY -> BUSY; it then owns the instance until the wash returns it to READY.
          if (lifecycle.transitionIf(InstanceState.READY, InstanceState.BUSY, "request")) {
            lifecycle.transition(InstanceState.WASHING, "wash");
            lifecycle.transition(InstanceState.READY, "washed");
            mine++;
            done.incrementAndGet();
          } else {
            Thread.onSpinWait();
          }
        }
      });
      worker.start();
      workers.add(worker);
    }
    start.countDown();
    for (Thread worker : workers) {
      worker.join(10_000);
    }
    assertThat(done).hasValue(threads * cycles);
    for (int i = 0; i < order.size(); i += 3) {
      assertThat(order.subList(i, i + 3))
          .containsExactly(InstanceState.BUSY, InstanceState.WASHING, InstanceState.READY);
    }
  }
}
