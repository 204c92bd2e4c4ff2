package io.mrgc.router.proxy;

import io.mrgc.router.metrics.RouterMetrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Requests waiting for a free instance. Each instance serves one request at a time, so when every candidate is busy
 * or held a request waits here, its body paused and unread, rather than failing or going to a busy instance. FIFO,
 * bounded in length ({@code dispatchQueueLimit}) and in waiting time ({@code dispatchQueueTimeout}).
 *
 * <p>{@link #wake()} (a dispatch ended, a snapshot arrived) lets every waiter try again in arrival order; one that
 * still finds its candidates busy keeps its place, so waiters for a model whose instances are all busy do not block
 * waiters for another model. A wake drains at once, so an instance freed by a dispatch's end goes to the waiters
 * before any later arrival can see it.
 *
 * <p>Confined to the router's event-loop thread, where the server's requests, the exchanges and the snapshot poller
 * run (the verticle's context and the duplicates its requests run on share that thread); a wake from any other thread
 * hops onto it.
 */
final class DispatchQueue {
  /** A waiting request. */
  interface Waiter {
    /** Tries to dispatch again; false when it must go on waiting (every candidate still busy or held). */
    boolean retry();

    /**
     * Waiters with equal non-null keys get the same "still busy" answer within one drain (same model, nothing
     * excluded), so one such answer spares the others a pick; null = always retry.
     */
    Object busyKey();

    /** Waited as long as allowed; it is out of the queue already. */
    void timedOut(long waitedMillis);
  }

  private record Entry(long enqueuedNanos, long timerId) {}

  private final Vertx vertx;
  private final Context context;
  private final Thread eventLoop;
  private final int limit;
  private final long timeoutMillis;
  private final RouterMetrics metrics;
  private final Map<Waiter, Entry> waiting = new LinkedHashMap<>();
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
    metrics.queued();
    return true;
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
      vertx.cancelTimer(entry.timerId());
      metrics.queueWait(System.nanoTime() - entry.enqueuedNanos());
    }
    return entry;
  }
}
