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
 * <p>Steps run on the wash's own single daemon thread, never the caller's: {@link #wash} waits for each step at
 * most until the wash's deadline. A step still running at the deadline makes the wash TIMED_OUT; it is
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
    long deadline = start + timeLimit.toNanos();
    WashContext context = new WashContext(requestId, ++sequence, startedAtMillis);
    List<StepReport> reports = new ArrayList<>(steps.size());
    WashReport.Outcome outcome = WashReport.Outcome.PASSED;
    for (WashStep step : steps) {
      if (outcome != WashReport.Outcome.PASSED) {
        reports.add(new StepReport(step.name(), 0, StepReport.Outcome.SKIPPED, "skipped: "
            + (outcome == WashReport.Outcome.TIMED_OUT ? "wash timed out" : "an earlier step failed")));
        continue;
      }
      StepReport report = runStep(step, context, deadline);
      reports.add(report);
      if (report.outcome() == StepReport.Outcome.FAILED) {
        outcome = WashReport.Outcome.FAILED;
      } else if (report.outcome() == StepReport.Outcome.TIMED_OUT) {
        outcome = WashReport.Outcome.TIMED_OUT;
      }
    }
    long total = System.nanoTime() - start;
    WashReport report = new WashReport(requestId, context.sequence(), startedAtMillis, clock.millis(), reports,
        total, outcome);
    if (!report.isPassed()) {
      StepReport problem = report.firstProblem();
      log.warn("wash after request {} {} in {} us: step {} {}: {}", requestId, outcome, report.totalMicros(),
          problem.name(), problem.outcome(), problem.detail());
    }
    return report;
  }

  private StepReport runStep(WashStep step, WashContext context, long deadline) {
    long[] measured = new long[1];
    long submitted = System.nanoTime();
    Future<StepResult> future;
    try {
      future = executor.submit(() -> {
        long t0 = System.nanoTime();
        try {
          return step.run(context);
        } finally {
          measured[0] = System.nanoTime() - t0;
        }
      });
    } catch (RuntimeException e) {
      return new StepReport(step.name(), 0, StepReport.Outcome.FAILED, "cannot start step: " + describe(e));
    }
    long remaining = deadline - System.nanoTime();
    try {
      StepResult result = future.get(Math.max(remaining, 0), TimeUnit.NANOSECONDS);
      if (result == null) {
        return new StepReport(step.name(), measured[0], StepReport.Outcome.FAILED, "step returned no result");
      }
      StepReport.Outcome outcome = result.isPassed() ? StepReport.Outcome.PASSED : StepReport.Outcome.FAILED;
      return new StepReport(step.name(), measured[0], outcome, sanitize(result.detail()));
    } catch (TimeoutException e) {
      future.cancel(true);
      replaceExecutor();
      return new StepReport(step.name(), System.nanoTime() - submitted, StepReport.Outcome.TIMED_OUT,
          "still running at the wash's time limit of " + timeLimit.toMillis() + " ms");
    } catch (ExecutionException e) {
      return new StepReport(step.name(), measured[0], StepReport.Outcome.FAILED, sanitize(describe(e.getCause())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      replaceExecutor();
      return new StepReport(step.name(), System.nanoTime() - submitted, StepReport.Outcome.FAILED,
          "wash interrupted");
    } catch (CancellationException e) {
      return new StepReport(step.name(), System.nanoTime() - submitted, StepReport.Outcome.FAILED, "step cancelled");
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
