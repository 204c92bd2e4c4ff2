package io.mrgc.common;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a control loop's tick now and then every {@code period} after the previous one ended, on a daemon thread of
 * its own. A tick that throws is handed to {@code onFailure} and the loop goes on: one bad tick (a store timeout)
 * must not end the loop.
 */
public final class PeriodicTask implements AutoCloseable {
  private final ScheduledExecutorService scheduler;

  private PeriodicTask(ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
  }

  /** Starts ticking at once on a thread named {@code threadName}. */
  public static PeriodicTask start(String threadName, Duration period, Runnable tick,
      Consumer<RuntimeException> onFailure) {
    return start(threadName, Duration.ZERO, period, tick, onFailure);
  }

  /** Starts ticking after {@code initialDelay} on a thread named {@code threadName}. */
  public static PeriodicTask start(String threadName, Duration initialDelay, Duration period, Runnable tick,
      Consumer<RuntimeException> onFailure) {
    Check.positive("period", period);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
    scheduler.scheduleWithFixedDelay(() -> {
      try {
        tick.run();
      } catch (RuntimeException e) {
        onFailure.accept(e);
      }
    }, initialDelay.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    return new PeriodicTask(scheduler);
  }

  /** Stops ticking: interrupts a tick in progress and waits up to 5 s for it to end. */
  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
