package io.mrgc.failover;

import io.mrgc.failover.dials.RetryScheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** Records the retry delays; the test runs the retries when it chooses (virtual time). */
public final class ManualScheduler implements RetryScheduler {
  public final List<Duration> delays = new ArrayList<>();
  private final Deque<Runnable> tasks = new ArrayDeque<>();

  @Override
  public synchronized void schedule(Duration delay, Runnable task) {
    delays.add(delay);
    tasks.add(task);
  }

  public synchronized int pending() {
    return tasks.size();
  }

  public void runNext() {
    Runnable task;
    synchronized (this) {
      task = tasks.poll();
    }
    if (task == null) {
      throw new AssertionError("no retry scheduled");
    }
    task.run();
  }

  /** Runs the retries scheduled so far (not the ones they schedule). */
  public void runAll() {
    for (int n = pending(); n > 0; n--) {
      runNext();
    }
  }
}
