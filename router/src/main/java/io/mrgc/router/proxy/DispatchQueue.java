package io.mrgc.router.proxy;

import io.mrgc.router.metrics.RouterMetrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Requests waiting for an instance with room. Each instance serves one tenant at a time, up to its batch slots of
 * that tenant's requests, so when no candidate has room for a request's tenant (all full, serving other tenants, or
 * held) the request waits here, its body paused and unread, rather than failing or going to an instance without
 * room. FIFO, bounded in length ({@code dispatchQueueLimit}) and in waiting time ({@code dispatchQueueTimeout}).
 *
 * <p>{@link #wake()} (a dispatch ended, a snapshot arrived) lets every waiter try again in arrival order; one that
 * still finds no room keeps its place, so waiters for a model, or of a tenant, that no instance has room for do not
 * block waiters for another model or of another tenant. A wake drains at once, so room freed by a dispatch's end goes
 * to the waiters before any later arrival can see it.
 *
 * <p>{@link #otherTenantsWait} tells the picker that waiters of other tenants could use a tenant's instances, which
 * bounds that tenant's turn on them (an instance drains for the waiters instead of taking the tenant's requests
 * forever).
 *
 * <p>Confined to the router's event-loop thread, where the server's requests, the exchanges and the snapshot poller
 * run (the verticle's context and the duplicates its requests run on share that thread); a wake from any other thread
 * hops onto it.
 */
final class DispatchQueue {
  /** A waiting request. */
  interface Waiter {
    /** Tries to dispatch again; false when it must go on waiting (still no candidate with room, or all held). */
    boolean retry();

    /**
     * Waiters with equal non-null keys get the same "still busy" answer within one drain (same model and tenant,
     * nothing excluded), so one such answer spares the others a pick; null = always retry. Rooms depend on the
     * tenant, so the key must include it.
     */
    Object busyKey();

    /** The tenant whose request waits. */
    String tenantId();

    /** The model it asks for; null = any. */
    String model();

    /** Waited as long as allowed; it is out of the queue already. */
    void timedOut(long waitedMillis);
  }

  private record Entry(long enqueuedNanos, long timerId) {}

  /**
   * A tenant and model that waiters ask for (model null = any). Also their busy key: rooms depend on both, so waiters
   * with the same both get the same "still busy" answer.
   */
  private record Wanted(String tenantId, String model) {}

  /**
   * The {@link Waiter#busyKey()} of a waiter of {@code tenantId} for {@code model} (null = any) with nothing
   * excluded.
   */
  static Object busyKey(String model, String tenantId) {
    return new Wanted(tenantId, model);
  }

  private final Vertx vertx;
  private final Context context;
  private final Thread eventLoop;
  private final int limit;
  private final long timeoutMillis;
  private final RouterMetrics metrics;
  private final Map<Waiter, Entry> waiting = new LinkedHashMap<>();
  /** How many waiters ask for each tenant and model (few distinct ones: looked through on every pick). */
  private final Map<Wanted, Integer> wanted = new HashMap<>();
  private boolean draining;
  private boolean wokenWhileDraining;

  /** Must be created on the router's event-loop thread (in the verticle's start), which it is then confined to. */
  DispatchQueue(Vertx vertx, int limit, Duration timeout, RouterMetrics metrics) {
    if (!Context.isOnEventLoopThread()) {
      throw new IllegalStateException("the dispatch queue must be created on the router's event loop");
    }
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.eventLoop = Thread.currentThread();
    this.limit = limit;
    this.timeoutMillis = timeout.toMillis();
    this.metrics = metrics;
  }

  int size() {
    return waiting.size();
  }

  boolean isEmpty() {
    return waiting.isEmpty();
  }

  /** Queues the waiter at the end (a waiter already queued keeps its place); false when the queue is full. */
  boolean offer(Waiter waiter) {
    if (waiting.containsKey(waiter)) {
      return true;
    }
    if (waiting.size() >= limit) {
      return false;
    }
    long timerId = vertx.setTimer(timeoutMillis, id -> expire(waiter));
    waiting.put(waiter, new Entry(System.nanoTime(), timerId));
    wanted.merge(new Wanted(waiter.tenantId(), waiter.model()), 1, Integer::sum);
    metrics.queued();
    return true;
  }

  /**
   * Whether a waiter of a tenant other than {@code tenantId} asks for {@code model} (null = any), or for any model
   * when either names none: the instances of a request of {@code tenantId} could serve it.
   */
  boolean otherTenantsWait(String tenantId, String model) {
    for (Wanted other : wanted.keySet()) {
      if (!Objects.equals(other.tenantId(), tenantId)
          && (model == null || other.model() == null || model.equals(other.model()))) {
        return true;
      }
    }
    return false;
  }

  /** Takes the waiter out (its client left, or it was answered); nothing if it is not waiting. */
  void remove(Waiter waiter) {
    take(waiter);
  }

  /** Something may have become free: every waiter tries again, in arrival order. */
  void wake() {
    if (Thread.currentThread() != eventLoop) {
      context.runOnContext(v -> wake());
      return;
    }
    if (draining) {
      // A waiter's retry ended a dispatch (it failed at once): drain again once this pass is over.
      wokenWhileDraining = true;
      return;
    }
    draining = true;
    try {
      do {
        wokenWhileDraining = false;
        drainOnce();
      } while (wokenWhileDraining);
    } finally {
      draining = false;
    }
  }

  private void drainOnce() {
    if (waiting.isEmpty()) {
      return;
    }
    Set<Object> stillBusy = new HashSet<>();
    // A copy: a retry may remove waiters (its own answer) while this pass goes on.
    for (Waiter waiter : new ArrayList<>(waiting.keySet())) {
      Object key = waiter.busyKey();
      if (!waiting.containsKey(waiter) || (key != null && stillBusy.contains(key))) {
        continue;
      }
      if (waiter.retry()) {
        take(waiter);
        if (!wanted.containsKey(new Wanted(waiter.tenantId(), waiter.model()))) {
          // The last waiter of its tenant and model left: other tenants' turns may be unbounded again, so their
          // "still busy" answers may change.
          stillBusy.clear();
        }
      } else if (key != null) {
        stillBusy.add(key);
      }
    }
  }

  private void expire(Waiter waiter) {
    Entry entry = take(waiter);
    if (entry != null) {
      waiter.timedOut((System.nanoTime() - entry.enqueuedNanos()) / 1_000_000);
    }
  }

  private Entry take(Waiter waiter) {
    Entry entry = waiting.remove(waiter);
    if (entry != null) {
      wanted.computeIfPresent(new Wanted(waiter.tenantId(), waiter.model()), (key, count) -> count == 1 ? null
          : count - 1);
      vertx.cancelTimer(entry.timerId());
      metrics.queueWait(System.nanoTime() - entry.enqueuedNanos());
    }
    return entry;
  }
}
