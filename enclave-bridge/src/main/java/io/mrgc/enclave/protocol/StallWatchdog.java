package io.mrgc.enclave.protocol;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One daemon thread that periodically checks registered connections with {@link
 * FramedConnection#closeIfStalled} and forgets the closed ones.
 */
public final class StallWatchdog implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StallWatchdog.class);
  private final Set<FramedConnection> watched = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer;

  /** @param tick how often to check; a stall is noticed at most one tick after its timeout */
  public StallWatchdog(String name, Duration tick) {
    long ms = Math.max(5, FramedConnection.positive(tick, "tick").toMillis());
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::sweep, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** A tick of a quarter of the smallest timeout, between 10 ms and 1 s. */
  public static Duration tickFor(Duration... timeouts) {
    long min = Long.MAX_VALUE;
    for (Duration d : timeouts) {
      min = Math.min(min, d.toMillis());
    }
    return Duration.ofMillis(Math.max(10, Math.min(1000, min / 4)));
  }

  public void watch(FramedConnection c) {
    watched.add(c);
  }

  public void forget(FramedConnection c) {
    watched.remove(c);
  }

  private void sweep() {
    try {
      long now = System.nanoTime();
      watched.removeIf(c -> c.closeIfStalled(now));
    } catch (RuntimeException e) {
      LOG.error("stall watchdog sweep failed", e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    watched.clear();
  }
}
