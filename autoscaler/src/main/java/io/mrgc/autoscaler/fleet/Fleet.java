package io.mrgc.autoscaler.fleet;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * The port through which a region's autoscaler changes its GPU instances. Adapters act on exactly what they are given:
 * draining an instance before terminating it (DRAINING, no in-flight requests, or a drain timeout) is the loop's job.
 */
public interface Fleet {
  /** Launches {@code count} GPU nodes; returns their ids (they start PENDING and join when their agent is READY). */
  List<String> launch(int count);

  /** This region's GPU nodes that are not terminated (pending, running, stopping, stopped, shutting down). */
  List<FleetInstance> describe();

  /** Terminates these instances, as given (no draining here); returns each one's state change. */
  List<StateChange> terminate(Collection<String> instanceIds);

  /** For adapters that launch one at a time: {@code launchOne} called {@code count} (1 to 100) times; the ids. */
  static List<String> launchEach(int count, Supplier<String> launchOne) {
    io.mrgc.common.Check.between("count", count, 1, 100);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(launchOne.get());
    }
    return ids;
  }
}
