package io.mrgc.common.net;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts a listener's open connections and says whether a new one fits under the cap. Call {@link #tryOpen()} when a
 * connection is accepted; if it says no, close that connection (the newest goes, the established ones keep
 * working); otherwise call {@link #closed()} exactly once when it closes. Thread-safe.
 */
public final class ConnectionCap {
  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();

  public ConnectionCap(int max) {
    this.max = max;
  }

  /** Counts the new connection if it fits; false (and nothing counted) when the listener is full. */
  public boolean tryOpen() {
    while (true) {
      int now = open.get();
      if (now >= max) {
        refused.incrementAndGet();
        return false;
      }
      if (open.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  public void closed() {
    open.decrementAndGet();
  }

  public int open() {
    return open.get();
  }

  /** Connections closed at accept because the cap was reached, so far. */
  public long refused() {
    return refused.get();
  }
}
