package io.mrgc.failover.dials;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Runs a retry later. Tests pass one that records the delays and runs the tasks when told. */
@FunctionalInterface
public interface RetryScheduler {
  void schedule(Duration delay, Runnable task);

  static RetryScheduler on(ScheduledExecutorService executor) {
    return (delay, task) -> executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
  }
}
