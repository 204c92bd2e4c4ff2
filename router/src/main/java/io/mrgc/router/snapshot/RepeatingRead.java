package io.mrgc.router.snapshot;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a piece of shared state about every interval. The next read is scheduled only when the previous one has
 * finished, so a slow DynamoDB never piles up reads. A failed read changes nothing: the owner keeps its last good
 * value (readers tolerate staleness, DESIGN.md, global state), and the failure is logged once per outage, not once
 * per read.
 *
 * @param <T> what one read returns
 */
final class RepeatingRead<T> {
  private static final Logger LOG = LoggerFactory.getLogger(RepeatingRead.class);

  private final Vertx vertx;
  private final long intervalMillis;
  /** What is read, for the log: "gpu_instances snapshot of us-east-1". */
  private final String what;
  private final Supplier<CompletionStage<T>> read;
  private final Consumer<T> onRead;
  private volatile boolean stopped;
  private long timerId = -1;
  private boolean lastReadFailed;

  /** {@code onRead} gets each successful read, on the context that started this. */
  RepeatingRead(Vertx vertx, Duration interval, String what, Supplier<CompletionStage<T>> read, Consumer<T> onRead) {
    this.vertx = vertx;
    this.intervalMillis = interval.toMillis();
    this.what = what;
    this.read = read;
    this.onRead = onRead;
  }

  /** Runs the first read; the future completes when it has finished (successfully or not), then reading goes on. */
  Future<Void> start() {
    return readOnce().onComplete(done -> scheduleNext());
  }

  void stop() {
    stopped = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  private void scheduleNext() {
    if (!stopped) {
      timerId = vertx.setTimer(intervalMillis, id -> readOnce().onComplete(done -> scheduleNext()));
    }
  }

  /** Completes (never fails) once this read has either been handed to {@code onRead} or failed. */
  Future<Void> readOnce() {
    Promise<Void> done = Promise.promise();
    CompletionStage<T> started;
    try {
      started = read.get();
    } catch (RuntimeException e) {
      started = CompletableFuture.failedFuture(e);
    }
    Future.fromCompletionStage(started, vertx.getOrCreateContext()).onComplete(result -> {
      try {
        if (result.succeeded()) {
          if (lastReadFailed) {
            LOG.info("{} readable again", what);
          }
          lastReadFailed = false;
          onRead.accept(result.result());
        } else if (!lastReadFailed) {
          lastReadFailed = true;
          LOG.warn("{} failed; going on with the last good read: {}", what, rootMessage(result.cause()));
        }
      } finally {
        done.complete(); // whatever onRead did, the next read is scheduled
      }
    });
    return done.future();
  }

  private static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }
}
