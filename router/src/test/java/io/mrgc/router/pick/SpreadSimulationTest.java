package io.mrgc.router.pick;

import static io.mrgc.router.pick.Backends.TENANT;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.router.RouterOptions;
import io.mrgc.state.InstanceState;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A small discrete-time model of the herding problem (reference/router.md b.5): 16 instances, every request lasts
 * D ticks, the snapshot is refreshed only every T ticks (T = D: one request-duration of staleness). The herding
 * index is the largest per-instance share of a window's dispatches over the fair share. The real picker must stay
 * near 1; argmax over the same stale snapshot must not (which shows the model can tell them apart). The picker takes
 * one request per instance at a time, so arrivals that find every instance busy wait in a FIFO, as in the router.
 */
class SpreadSimulationTest {
  private static final int INSTANCES = 16;
  private static final int DURATION_TICKS = 10;
  private static final int REFRESH_TICKS = 10;
  /** About 90% of capacity: 16 instances x 1 request / 10 ticks = 1.6 per tick. */
  private static final double ARRIVALS_PER_TICK = 1.45;
  private static final int TICKS = 2_000;

  private record Outstanding(Picker.Pick pick, int endsAt) {}

  @Test
  void powerOfTwoChoicesSpreadsLoadUnderStaleSnapshots() {
    double herding = simulate(true);
    assertThat(herding).as("mean herding index of the picker").isLessThan(1.6);
  }

  @Test
  void argmaxOverTheStaleSnapshotHerdsInTheSameModel() {
    double herding = simulate(false);
    assertThat(herding).as("mean herding index of argmax").isGreaterThan(4.0);
  }

  /** Returns the mean herding index over refresh windows. */
  private static double simulate(boolean usePicker) {
    AtomicLong clock = new AtomicLong(1_000_000);
    InFlightTracker tracker = new InFlightTracker();
    OutlierDetector outliers = new OutlierDetector(5, Duration.ofSeconds(10), 10, clock::get);
    Picker picker = new Picker(Duration.ofHours(1), Duration.ofSeconds(30), RouterOptions.DEFAULT_TENANT_TURN_BATCHES,
        tracker, outliers, new InstanceHolds(clock::get), new Random(42), clock::get);
    int[] trueLoad = new int[INSTANCES];
    List<Backend> snapshot = publish(trueLoad, clock.get());
    ArrayDeque<Outstanding> outstanding = new ArrayDeque<>();
    int waiting = 0;
    int[] windowCounts = new int[INSTANCES];
    double herdingSum = 0;
    int windows = 0;
    Random arrivals = new Random(7);
    for (int tick = 0; tick < TICKS; tick++) {
      clock.addAndGet(1);
      while (!outstanding.isEmpty() && outstanding.peek().endsAt() <= tick) {
        Outstanding done = outstanding.poll();
        done.pick().dispatch().end();
        trueLoad[index(done.pick().backend())]--;
      }
      if (tick % REFRESH_TICKS == 0) {
        snapshot = publish(trueLoad, clock.get() - 1); // reported a moment ago
        if (tick > 0) {
          int max = 0;
          int total = 0;
          for (int count : windowCounts) {
            max = Math.max(max, count);
            total += count;
          }
          herdingSum += max / (total / (double) INSTANCES);
          windows++;
          windowCounts = new int[INSTANCES];
        }
      }
      waiting += (int) ARRIVALS_PER_TICK + (arrivals.nextDouble() < ARRIVALS_PER_TICK % 1 ? 1 : 0);
      while (waiting > 0) {
        Picker.Pick pick;
        if (usePicker) {
          pick = picker.pick(snapshot, null, TENANT, Set.of());
          if (pick == null) {
            break; // every instance busy: the rest wait for the next tick
          }
        } else {
          Function<Backend, Double> stale = b -> Scoring.score(b.reportedLoad(), b.latencyEwmaMs(), b.health());
          Backend best = snapshot.stream().max(Comparator.comparing(stale)).orElseThrow();
          pick = new Picker.Pick(best, stale.apply(best), false,
              tracker.begin(best.instanceId(), TENANT, clock.get()));
        }
        int chosen = index(pick.backend());
        trueLoad[chosen]++;
        windowCounts[chosen]++;
        outstanding.add(new Outstanding(pick, tick + DURATION_TICKS));
        waiting--;
      }
    }
    return herdingSum / windows;
  }

  private static List<Backend> publish(int[] load, long at) {
    List<Backend> backends = new ArrayList<>();
    for (int i = 0; i < load.length; i++) {
      backends.add(new Backend("i-" + i, "127.0.0.1", 9000, InstanceState.READY, load[i], 10, 100, Set.of(), at, 1));
    }
    return backends;
  }

  private static int index(Backend backend) {
    return Integer.parseInt(backend.instanceId().substring(2));
  }
}
