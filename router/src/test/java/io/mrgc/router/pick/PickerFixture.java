package io.mrgc.router.pick;

import io.mrgc.router.RouterOptions;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/** A picker's collaborators on a test clock: 3 s heartbeat staleness, 30 s slow start. */
abstract class PickerFixture {
  static final long NOW = 10_000_000;

  final AtomicLong clock = new AtomicLong(NOW);
  final InFlightTracker inFlight = new InFlightTracker();
  final OutlierDetector outliers = new OutlierDetector(5, Duration.ofSeconds(10), 100, clock::get);
  final InstanceHolds holds = new InstanceHolds(clock::get);

  /** A picker on the fixture's tracker with the default turn bound. */
  Picker picker(long seed) {
    return picker(inFlight, seed, RouterOptions.DEFAULT_TENANT_TURN_BATCHES);
  }

  Picker picker(InFlightTracker tracker, long seed, int tenantTurnBatches) {
    return new Picker(Duration.ofSeconds(3), Duration.ofSeconds(30), tenantTurnBatches, tracker, outliers, holds,
        new Random(seed), clock::get);
  }
}
