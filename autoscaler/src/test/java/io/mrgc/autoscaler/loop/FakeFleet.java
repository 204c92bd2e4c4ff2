package io.mrgc.autoscaler.loop;

import io.mrgc.autoscaler.fleet.Fleet;
import io.mrgc.autoscaler.fleet.FleetInstance;
import io.mrgc.autoscaler.fleet.InstanceLifecycle;
import io.mrgc.autoscaler.fleet.StateChange;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An in-memory Fleet for tests: instances are RUNNING from launch (joining is the test's agent simulation). */
final class FakeFleet implements Fleet {
  private final Clock clock;
  private final String prefix;
  private final Map<String, FleetInstance> instances = new LinkedHashMap<>();
  final List<String> launched = new ArrayList<>();
  final List<String> terminated = new ArrayList<>();
  private int next;

  FakeFleet(Clock clock, String prefix) {
    this.clock = clock;
    this.prefix = prefix;
  }

  @Override
  public synchronized List<String> launch(int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = String.format("%s-%03d", prefix, next++);
      instances.put(id, new FleetInstance(id, InstanceLifecycle.RUNNING, Instant.now(clock), "10.0.0." + next));
      ids.add(id);
    }
    launched.addAll(ids);
    return ids;
  }

  @Override
  public synchronized List<FleetInstance> describe() {
    return List.copyOf(instances.values());
  }

  @Override
  public synchronized List<StateChange> terminate(Collection<String> ids) {
    List<StateChange> out = new ArrayList<>();
    for (String id : ids) {
      FleetInstance f = instances.remove(id);
      terminated.add(id);
      out.add(new StateChange(id, f == null ? InstanceLifecycle.TERMINATED : f.state(),
          InstanceLifecycle.SHUTTING_DOWN));
    }
    return out;
  }

  synchronized List<String> running() {
    return List.copyOf(instances.keySet());
  }

  synchronized FleetInstance get(String id) {
    return instances.get(id);
  }
}
