package io.mrgc.carwash;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the wash steps in order, each timed with {@link System#nanoTime()}, under an overall time limit.
 *
 * <p>Steps run on the wash's own single daemon thread, never the caller's, all in one task: {@link #wash} waits for
 * them at most until the wash's deadline. A step still running at the deadline makes the wash TIMED_OUT; it is
 * interrupted, its thread is abandoned (a fresh one serves the next wash) and the remaining steps are SKIPPED, so a
 * hung step cannot hold the caller past the deadline (plus scheduling slack). The first step that fails (returns
 * FAILED or throws) ends the wash as FAILED and the rest are SKIPPED: the instance will be quarantined anyway, and a
 * later step (say clean-state verification) means nothing after an earlier one failed.
 *
 * <p>One wash at a time per instance ({@link #wash} is synchronized). Details are truncated to
 * {@value #MAX_DETAIL_CHARS} characters and control characters are replaced; steps must never put payload bytes
 * or keys in them.
 */
public final class CarWash implements AutoCloseable {
  public static final int MAX_DETAIL_CHARS = 300;
  private static final Logger log = LoggerFactory.getLogger(CarWash.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final List<WashStep> steps;
  private final Duration timeLimit;
  private final Clock clock;
  private ExecutorService executor;
  private long sequence;
  private boolean closed;

  public CarWash(List<WashStep> steps, Duration timeLimit, Clock clock) {
    this.steps = List.copyOf(steps);
    if (this.steps.isEmpty()) {
      throw new IllegalArgumentException("a car wash needs at least one step");
    }
    if (timeLimit == null || timeLimit.isNegative() || timeLimit.isZero()) {
      throw new IllegalArgumentException("wash time limit must be positive, got " + timeLimit);
    }
    this.timeLimit = timeLimit;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.executor = newExecutor();
  }

  public CarWash(List<WashStep> steps, Duration timeLimit) {
    this(steps, timeLimit, Clock.systemUTC());
  }

  public Duration timeLimit() {
    return timeLimit;
  }

  public List<WashStep> steps() {
    return steps;
  }

  /** Runs every step for the request {@code requestId} and reports; never throws for a step's failure. */
  public synchronized WashReport wash(String requestId) {
    if (closed) {
      throw new IllegalStateException("car wash is closed");
    }
    long startedAtMillis = clock.millis();
    long start = System.nanoTime();
    WashContext context = new WashContext(requestId, ++sequence, startedAtMillis);
    Progress progress = new Progress(steps.size());
    // All steps in one task on the wash thread: one hand-off per wash, not one per step (each hand-off wakes a
    // thread, which on a busy host costs more than the cheap steps themselves).
    Future<?> future;
    try {
      future = executor.submit(() -> runSteps(context, progress));
    } catch (RuntimeException e) {
      progress.failCurrent(steps, "cannot start the wash: " + describe(e));
      return report(context, start, progress);
    }
    try {
      future.get(timeLimit.toNanos() - (System.nanoTime() - start), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      abandon(future, progress, "still running at the wash's time limit of " + timeLimit.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abandon(future, progress, "wash interrupted");
    } catch (ExecutionException | CancellationException e) {
      progress.failCurrent(steps, "wash thread failed: " + describe(e));
    }
    return report(context, start, progress);
  }

  /** On the wash thread: each step in order until one does not pass. */
  private void runSteps(WashContext context, Progress progress) {
    for (int i = 0; i < steps.size(); i++) {
      WashStep step = steps.get(i);
      long t0 = System.nanoTime();
      progress.started(i, t0);
      StepReport report;
      try {
        StepResult result = step.run(context);
        long took = System.nanoTime() - t0;
        report = result == null
            ? new StepReport(step.name(), took, StepReport.Outcome.FAILED, "step returned no result")
            : new StepReport(step.name(), took,
                result.isPassed() ? StepReport.Outcome.PASSED : StepReport.Outcome.FAILED,
                sanitize(result.detail()));
      } catch (Exception | Error e) { // a throwing step fails the wash; it must not kill the wash thread silently
        report = new StepReport(step.name(), System.nanoTime() - t0, StepReport.Outcome.FAILED,
            sanitize(describe(e)));
      }
      if (!progress.finished(i, report) || report.outcome() != StepReport.Outcome.PASSED) {
        return;
      }
    }
  }

  /** The step still running at the deadline is TIMED_OUT; its thread is abandoned. */
  private void abandon(Future<?> future, Progress progress, String detail) {
    progress.timeOutCurrent(steps, detail); // first: the interrupted step must not record itself as FAILED
    future.cancel(true);
    replaceExecutor();
  }

  private WashReport report(WashContext context, long start, Progress progress) {
    List<StepReport> reports = new ArrayList<>(steps.size());
    WashReport.Outcome outcome = WashReport.Outcome.PASSED;
    StepReport[] done = progress.snapshot();
    for (int i = 0; i < steps.size(); i++) {
      StepReport report = done[i];
      if (report == null || outcome != WashReport.Outcome.PASSED) {
        reports.add(new StepReport(steps.get(i).name(), 0, StepReport.Outcome.SKIPPED, "skipped: "
            + (outcome == WashReport.Outcome.TIMED_OUT ? "wash timed out" : "an earlier step failed")));
        continue;
      }
      reports.add(report);
      if (report.outcome() == StepReport.Outcome.FAILED) {
        outcome = WashReport.Outcome.FAILED;
      } else if (report.outcome() == StepReport.Outcome.TIMED_OUT) {
        outcome = WashReport.Outcome.TIMED_OUT;
      }
    }
    WashReport report = new WashReport(context.requestId(), context.sequence(), context.startedAtMillis(),
        clock.millis(), reports, System.nanoTime() - start, outcome);
    if (!report.isPassed()) {
      StepReport problem = report.firstProblem();
      log.warn("wash after request {} {} in {} us: step {} {}: {}", context.requestId(), outcome,
          report.totalMicros(), problem.name(), problem.outcome(), problem.detail());
    }
    return report;
  }

  /**
   * What the wash thread has done so far, shared with the caller. Once the caller has closed it (time-out), late
   * results of an abandoned thread are ignored.
   */
  private static final class Progress {
    private final StepReport[] reports;
    private int current = -1;
    private long currentStartedNanos;
    private boolean closed;

    Progress(int steps) {
      reports = new StepReport[steps];
    }

    synchronized void started(int index, long nanos) {
      current = index;
      currentStartedNanos = nanos;
    }

    /** Records a finished step; false if the caller has given up on this wash. */
    synchronized boolean finished(int index, StepReport report) {
      if (closed) {
        return false;
      }
      reports[index] = report;
      return true;
    }

    synchronized void timeOutCurrent(List<WashStep> steps, String detail) {
      closed = true;
      int index = Math.max(current, 0);
      if (reports[index] == null) {
        long took = current < 0 ? 0 : System.nanoTime() - currentStartedNanos;
        reports[index] = new StepReport(steps.get(index).name(), took, StepReport.Outcome.TIMED_OUT, detail);
      }
    }

    synchronized void failCurrent(List<WashStep> steps, String detail) {
      closed = true;
      int index = Math.max(current, 0);
      if (reports[index] == null) {
        reports[index] = new StepReport(steps.get(index).name(), 0, StepReport.Outcome.FAILED, sanitize(detail));
      }
    }

    synchronized StepReport[] snapshot() {
      closed = true;
      return reports.clone();
    }
  }

  /** The old thread may be stuck in a step forever: abandon it (interrupted) and serve later washes from a new one. */
  private void replaceExecutor() {
    executor.shutdownNow();
    executor = newExecutor();
  }

  private static ExecutorService newExecutor() {
    return Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "car-wash-" + THREADS.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
  }

  static String describe(Throwable error) {
    String message = error.getMessage();
    return error.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  static String sanitize(String detail) {
    if (detail == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(Math.min(detail.length(), MAX_DETAIL_CHARS));
    for (int i = 0; i < detail.length() && out.length() < MAX_DETAIL_CHARS; i++) {
      char c = detail.charAt(i);
      out.append(Character.isISOControl(c) ? ' ' : c);
    }
    if (detail.length() > MAX_DETAIL_CHARS) {
      out.setLength(MAX_DETAIL_CHARS - 3);
      out.append("...");
    }
    return out.toString();
  }

  @Override
  public synchronized void close() {
    closed = true;
    executor.shutdownNow();
  }
}
