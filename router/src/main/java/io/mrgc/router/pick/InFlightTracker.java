package io.mrgc.router.pick;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * This router's own outstanding requests per instance, counted from the moment of the pick (not of the send), so
 * that a burst of concurrent picks already sees the earlier ones (reference/router.md pitfall 1). Each dispatch keeps
 * its pick time, so the scorer can add only the dispatches the instance's last report cannot contain yet.
 *
 * <p>An instance serves one tenant at a time, batching up to {@link Backend#batchSlots()} of its concurrent requests
 * into one inference run, and washes before it switches to another tenant; so each dispatch also keeps its tenant,
 * and {@link #roomFor} tells whether the instance can take one more of a tenant's requests from this router. The
 * tracker also counts the dispatches of each instance's <em>session</em> (since its outstanding count here last went
 * from 0 to 1), which bounds a tenant's turn while other tenants wait.
 */
public final class InFlightTracker {
  /** What an instance offers one more request of a tenant, as far as this router's own dispatches go. */
  public enum Room {
    /** Nothing of this router outstanding there. */
    IDLE,
    /** It serves the tenant's requests from this router (any tenant's, with shared batches) and has a slot left. */
    JOIN,
    /** Full, serving another tenant, or the tenant's turn is over while others wait. */
    NONE
  }

  private final Map<String, PerInstance> byInstance = new ConcurrentHashMap<>();
  private volatile Runnable onEnd = () -> {};

  /** Called after each dispatch ends, once the instance counts as free of it (waiters may take it then). */
  public void onEnd(Runnable listener) {
    this.onEnd = listener;
  }

  /**
   * Counts a dispatch of {@code tenantId}'s request to {@code instanceId} picked at {@code pickedAtMillis}; end it
   * exactly when the request ends.
   */
  public Dispatch begin(String instanceId, String tenantId, long pickedAtMillis) {
    byInstance.computeIfAbsent(instanceId, id -> new PerInstance()).add(tenantId, pickedAtMillis);
    return new Dispatch(instanceId, tenantId, pickedAtMillis);
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

  /** Dispatches of the instance's current session (0 when nothing is outstanding there). */
  public long sessionDispatches(String instanceId) {
    PerInstance counts = byInstance.get(instanceId);
    return counts == null ? 0 : counts.sessionDispatches();
  }

  /**
   * Whether {@code instance} has room for one more request of {@code tenantId}: {@link Room#IDLE} when this router
   * has nothing outstanding there; {@link Room#JOIN} when everything outstanding there is of that tenant (of any
   * tenant with {@link Backend#sharedBatches()}) and fewer than {@link Backend#batchSlots()}; else
   * {@link Room#NONE}.
   *
   * <p>The tenant's turn: while {@code otherTenantsWait}, an instance serving the tenant takes at most
   * {@code turnDispatches} more of its dispatches, counted from the first call that saw other tenants wait in this
   * session; then it stops taking them, drains, and is idle for the waiters. A call without waiters ends that count.
   * Shared batches have no turn: any tenant may join them.
   */
  public Room roomFor(Backend instance, String tenantId, boolean otherTenantsWait, long turnDispatches) {
    PerInstance counts = byInstance.get(instance.instanceId());
    return counts == null ? Room.IDLE : counts.roomFor(instance, tenantId, otherTenantsWait, turnDispatches);
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
    private final String tenantId;
    private final long pickedAtMillis;
    private final AtomicBoolean ended = new AtomicBoolean();

    private Dispatch(String instanceId, String tenantId, long pickedAtMillis) {
      this.instanceId = instanceId;
      this.tenantId = tenantId;
      this.pickedAtMillis = pickedAtMillis;
    }

    public String instanceId() {
      return instanceId;
    }

    public String tenantId() {
      return tenantId;
    }

    public void end() {
      if (ended.compareAndSet(false, true)) {
        PerInstance counts = byInstance.get(instanceId);
        if (counts != null) {
          counts.remove(tenantId, pickedAtMillis);
        }
        onEnd.run();
      }
    }
  }

  /**
   * A multiset of pick times (one entry per distinct millisecond with outstanding requests), the outstanding count
   * per tenant (one tenant, except on shared batches), and the session's dispatch counts.
   */
  private static final class PerInstance {
    /** No other tenant was seen waiting in this session (since the last call that saw none). */
    private static final long NO_TURN = -1;

    private final TreeMap<Long, Integer> countByPickTime = new TreeMap<>();
    private final Map<String, Integer> countByTenant = new HashMap<>(2);
    private int outstanding;
    /** Dispatches since the outstanding count last went from 0 to 1. */
    private long sessionDispatches;
    /** {@link #sessionDispatches} when a call first saw other tenants wait, or {@link #NO_TURN}. */
    private long turnStart = NO_TURN;

    synchronized void add(String tenantId, long pickedAt) {
      countByPickTime.merge(pickedAt, 1, Integer::sum);
      countByTenant.merge(tenantId, 1, Integer::sum);
      outstanding++;
      sessionDispatches++;
    }

    synchronized void remove(String tenantId, long pickedAt) {
      countByPickTime.computeIfPresent(pickedAt, (time, count) -> count == 1 ? null : count - 1);
      countByTenant.computeIfPresent(tenantId, (tenant, count) -> count == 1 ? null : count - 1);
      outstanding--;
      if (outstanding == 0) {
        sessionDispatches = 0;
        turnStart = NO_TURN;
      }
    }

    synchronized boolean isEmpty() {
      return outstanding == 0;
    }

    synchronized long sessionDispatches() {
      return sessionDispatches;
    }

    synchronized int since(long sinceMillis) {
      int total = 0;
      for (int count : countByPickTime.tailMap(sinceMillis, true).values()) {
        total += count;
      }
      return total;
    }

    synchronized Room roomFor(Backend instance, String tenantId, boolean otherTenantsWait, long turnDispatches) {
      if (outstanding == 0) {
        return Room.IDLE;
      }
      if (outstanding >= instance.batchSlots()) {
        return Room.NONE;
      }
      if (instance.sharedBatches()) {
        return Room.JOIN;
      }
      if (countByTenant.size() != 1 || !countByTenant.containsKey(tenantId)) {
        return Room.NONE;
      }
      if (!otherTenantsWait) {
        turnStart = NO_TURN;
        return Room.JOIN;
      }
      if (turnStart == NO_TURN) {
        turnStart = sessionDispatches;
      }
      return sessionDispatches - turnStart < turnDispatches ? Room.JOIN : Room.NONE;
    }
  }
}
