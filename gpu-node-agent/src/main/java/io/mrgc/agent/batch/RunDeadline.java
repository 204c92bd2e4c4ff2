package io.mrgc.agent.batch;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The deadline of one batch's inference (or one OIP request's) on a model's worker thread: past it, a timer sets the
 * terminate flag of the worker's {@link OrtSession.RunOptions} (ONNX Runtime checks it before a run and between nodes
 * and fails the run), and the work fails with {@link InferenceTimeout}. The flag is cleared before the next batch,
 * whatever the timing, so one stopped batch never stops the next.
 */
final class RunDeadline {
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "mrgc-inference-deadline");
    thread.setDaemon(true);
    return thread;
  });

  private final OrtSession.RunOptions runOptions;
  private final Duration deadline;
  private final String model;
  /** Which work the pending timer belongs to; a timer of finished work finds another number and does nothing. */
  private long generation;
  private boolean expired;

  RunDeadline(OrtSession.RunOptions runOptions, Duration deadline, String model) {
    this.runOptions = runOptions;
    this.deadline = deadline;
    this.model = model;
  }

  /** Runs {@code work} (on the caller's thread) under the deadline. */
  <T> T run(Callable<T> work) throws Exception {
    long mine;
    synchronized (this) {
      mine = ++generation;
      expired = false;
    }
    ScheduledFuture<?> timer = TIMER.schedule(() -> expire(mine), deadline.toMillis(), TimeUnit.MILLISECONDS);
    try {
      return work.call();
    } catch (Exception e) {
      synchronized (this) {
        if (expired) {
          throw new InferenceTimeout(model, deadline);
        }
      }
      throw e;
    } finally {
      timer.cancel(false);
      synchronized (this) {
        generation++;
        if (expired) {
          runOptions.setTerminate(false);
        }
      }
    }
  }

  private synchronized void expire(long of) {
    if (of != generation) {
      return;
    }
    expired = true;
    try {
      runOptions.setTerminate(true);
    } catch (OrtException e) {
      throw new IllegalStateException("cannot stop the run of model " + model, e);
    }
  }
}
