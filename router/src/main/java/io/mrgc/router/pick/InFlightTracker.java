package io.mrgc.router.pick;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * This router's own outstanding requests per instance, counted from the moment of the pick (not of the send), so
 * that a burst of concurrent picks already sees the earlier ones (reference/router.md pitfall 1). Each dispatch keeps
 * its pick time, so the scorer can add only the dispatches the instance's last report cannot contain yet. An instance
 * serves one request at a time (car wash after every request), so one outstanding dispatch makes it busy.
 */
public final class InFlightTracker {
  private final Map<String, PerInstance> byInstance = new ConcurrentHashMap<>();
  private volatile Runnable onEnd = () -> {};

  /** Called after each dispatch ends, once the instance counts as free of it (waiters may take it then). */
  public void onEnd(Runnable listener) {
    this.onEnd = listener;
  }

  /** Counts a dispatch to {@code instanceId} picked at {@code pickedAtMillis}; end it exactly when the request ends. */
  public Dispatch begin(String instanceId, long pickedAtMillis) {
    byInstance.computeIfAbsent(instanceId, id -> new PerInstance()).add(pickedAtMillis);
    return new Dispatch(instanceId, pickedAtMillis);
  }

  /** Outstanding dispatches to the instance picked at or after {@code sinceMillis} (e.g. its last heartbeat). */
  public int sentSince(String instanceId, long sinceMillis) {
    PerInstance counts = byInstance.get(instanceId);
    return counts == null ? 0 : counts.since(sinceMillis);
  }

  /** All outstanding dispatches to the instance. */
  public int outstanding(String instanceId) {
    return sentSince(instanceId, Long.MIN_VALUE);
  }

  /** Whether this router has a dispatch outstanding to the instance. */
  public boolean busy(String instanceId) {
    PerInstance counts = byInstance.get(instanceId);
    return counts != null && !counts.isEmpty();
  }

  /**
   * Forgets instances that left the snapshot and have nothing outstanding here (one with a dispatch still running
   * is forgotten on a later call, once it ended), so the map never grows past the instances seen recently.
   */
  public void retain(Set<String> instanceIds) {
    byInstance.entrySet().removeIf(entry -> !instanceIds.contains(entry.getKey()) && entry.getValue().isEmpty());
  }

  /** Instances with an entry now (for tests). */
  public int trackedInstances() {
    return byInstance.size();
  }

  /** One counted request; {@link #end()} is idempotent so every exit path may call it. */
  public final class Dispatch {
    private final String instanceId;
    private final long pickedAtMillis;
    private final AtomicBoolean ended = new AtomicBoolean();

    private Dispatch(String instanceId, long pickedAtMillis) {
      this.instanceId = instanceId;
      this.pickedAtMillis = pickedAtMillis;
    }

    public String instanceId() {
      return instanceId;
    }

    public void end() {
      if (ended.compareAndSet(false, true)) {
        PerInstance counts = byInstance.get(instanceId);
        if (counts != null) {
          counts.remove(pickedAtMillis);
        }
        onEnd.run();
      }
    }
  }

  /** A multiset of pick times; small (one entry per distinct millisecond with outstanding requests). */
  private static final class PerInstance {
    private final TreeMap<Long, Integer> countByPickTime = new TreeMap<>();

    synchronized void add(long pickedAt) {
      countByPickTime.merge(pickedAt, 1, Integer::sum);
    }

    synchronized void remove(long pickedAt) {
      countByPickTime.computeIfPresent(pickedAt, (time, count) -> count == 1 ? null : count - 1);
    }

    synchronized boolean isEmpty() {
      return countByPickTime.isEmpty();
    }

    synchronized int since(long sinceMillis) {
      int total = 0;
      for (int count : countByPickTime.tailMap(sinceMillis, true).values()) {
        total += count;
      }
      return total;
    }
  }
}
