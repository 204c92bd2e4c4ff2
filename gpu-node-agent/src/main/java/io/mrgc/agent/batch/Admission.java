package io.mrgc.agent.batch;

import io.mrgc.common.ApiException;
import io.mrgc.wire.ErrorCode;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's admission bound: at most {@code maxAdmitted} requests waiting for the instance or running (those of
 * the tenant whose turn it is), so a burst is answered with 429 instead of growing memory. Also the load figures the
 * heartbeat reports: queue depth, in-flight, a latency EWMA and a health score.
 */
public final class Admission {
  /** Seconds a refused caller is told to wait. */
  public static final int RETRY_AFTER_SECONDS = 1;
  private static final double EWMA_ALPHA = 0.2;
  private static final long ERROR_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final int MAX_REMEMBERED_ERRORS = 16;

  private final int maxAdmitted;
  private final AtomicInteger admitted = new AtomicInteger();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private final ConcurrentLinkedDeque<Long> recentErrors = new ConcurrentLinkedDeque<>();
  private double latencyEwmaMs;
  private boolean latencySeen;

  public Admission(int maxAdmitted) {
    this.maxAdmitted = maxAdmitted;
  }

  /** Admits one request or fails with 429 {@code overloaded} and a Retry-After. */
  public Ticket admit() {
    while (true) {
      int current = admitted.get();
      if (current >= maxAdmitted) {
        throw new ApiException(ErrorCode.OVERLOADED,
            "this instance has " + maxAdmitted + " requests queued or running; retry later", RETRY_AFTER_SECONDS);
      }
      if (admitted.compareAndSet(current, current + 1)) {
        queued.incrementAndGet();
        return new Ticket();
      }
    }
  }

  public int queueDepth() {
    return queued.get();
  }

  public int inFlight() {
    return running.get();
  }

  public synchronized double latencyEwmaMs() {
    return latencySeen ? latencyEwmaMs : 0;
  }

  /**
   * 100 when healthy. Loses up to 60 points as admitted load goes from half to all of the bound, and 20 per
   * inference error in the last minute (the router then prefers other instances before this one fails outright).
   */
  public int health() {
    int score = 100;
    double utilisation = (double) admitted.get() / maxAdmitted;
    if (utilisation > 0.5) {
      score -= (int) Math.round(Math.min(1.0, (utilisation - 0.5) / 0.5) * 60);
    }
    score -= 20 * recentErrorCount();
    return Math.max(0, Math.min(100, score));
  }

  /** Records a failed inference (a server-side error, not a caller's bad input). */
  public void recordInferenceError() {
    recentErrors.addLast(System.nanoTime());
    while (recentErrors.size() > MAX_REMEMBERED_ERRORS) {
      recentErrors.pollFirst();
    }
  }

  int recentErrorCount() {
    long cutoff = System.nanoTime() - ERROR_WINDOW_NANOS;
    int count = 0;
    for (Iterator<Long> it = recentErrors.iterator(); it.hasNext(); ) {
      if (it.next() - cutoff > 0) {
        count++;
      } else {
        it.remove();
      }
    }
    return count;
  }

  private synchronized void recordLatency(long nanos) {
    double ms = nanos / 1_000_000.0;
    latencyEwmaMs = latencySeen ? EWMA_ALPHA * ms + (1 - EWMA_ALPHA) * latencyEwmaMs : ms;
    latencySeen = true;
  }

  /** One admitted request: queued until a worker starts it, then running, then finished (exactly once). */
  public final class Ticket {
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;
    private final long admittedAt = System.nanoTime();
    private final AtomicInteger phase = new AtomicInteger(QUEUED);

    /** The request leaves the queue and runs (it took the instance). */
    public void start() {
      if (phase.compareAndSet(QUEUED, RUNNING)) {
        queued.decrementAndGet();
        running.incrementAndGet();
      }
    }

    /** Releases the admission slot; a failure counts against health only when it is the server's fault. */
    public void finish(Throwable failure) {
      if (!release()) {
        return;
      }
      if (failure == null) {
        recordLatency(System.nanoTime() - admittedAt);
      } else if (!(failure instanceof ApiException api) || api.status() >= 500) {
        recordInferenceError();
      }
    }

    /** Releases the slot of a request that was never served (refused while it waited, or its caller left). */
    public void cancel() {
      release();
    }

    private boolean release() {
      int previous = phase.getAndSet(DONE);
      if (previous == DONE) {
        return false;
      }
      (previous == QUEUED ? queued : running).decrementAndGet();
      admitted.decrementAndGet();
      return true;
    }
  }
}
