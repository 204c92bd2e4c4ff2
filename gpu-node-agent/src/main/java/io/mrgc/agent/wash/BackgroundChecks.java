package io.mrgc.agent.wash;

import io.mrgc.carwash.CarWash;
import io.mrgc.carwash.StepReport;
import io.mrgc.carwash.StepResult;
import io.mrgc.carwash.WashContext;
import io.mrgc.carwash.WashReport;
import io.mrgc.carwash.WashStep;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The wash steps that do not depend on a request (model-integrity slice, GPU health, enclave ping), run beside the
 * work rather than in front of it: a round every {@code interval} while the instance serves requests, and at least
 * every {@link #IDLE_ROUND_EVERY} while it idles. A round that does not pass is recorded (cleanup_validation, id
 * {@code scheduled-background-N}) and quarantines the instance at once; rounds that pass are counted, not recorded
 * one by one (the wash between tenants records the one it relied on).
 *
 * <p>The wash between tenants runs {@link #freshRoundStep}: it passes on a round that passed within
 * {@code maxAge}, else runs a round there and then, so a tenant's first request never follows a stale check.
 */
public final class BackgroundChecks implements AutoCloseable {
  public static final String STEP_NAME = "background-checks";
  /** A round at least this often while the instance idles (GPU health and the enclave are checked even then). */
  static final Duration IDLE_ROUND_EVERY = Duration.ofSeconds(1);

  /** One finished round: its report and when it finished ({@link System#nanoTime()}). */
  private record Round(long number, WashReport report, long finishedNanos) {}

  private final Vertx vertx;
  private final CarWash wash;
  private final Duration interval;
  private final Consumer<WashReport> onProblem;
  private final Consumer<WashReport> metrics;
  private final AtomicLong rounds = new AtomicLong();
  private volatile Round last;
  private long servedSinceRound;
  private boolean running;
  private long timer = -1;

  /**
   * @param steps model-integrity, gpu-health, enclave-ping (with an enclave)
   * @param timeLimit a round past it is TIMED_OUT (and quarantines)
   * @param onProblem told, on the event loop, of a round that did not pass
   * @param metrics told, on a worker thread, of every round
   */
  public BackgroundChecks(Vertx vertx, List<WashStep> steps, Duration timeLimit, Duration interval,
      Consumer<WashReport> onProblem, Consumer<WashReport> metrics) {
    this.vertx = vertx;
    this.wash = new CarWash(steps, timeLimit);
    this.interval = interval;
    this.onProblem = onProblem;
    this.metrics = metrics;
  }

  /** Starts the rounds (call on the agent's event loop). */
  public void start() {
    timer = vertx.setPeriodic(interval.toMillis(), id -> tick());
  }

  /** A request was served (event loop): the next tick runs a round. */
  public void requestServed() {
    servedSinceRound++;
  }

  private void tick() {
    Round previous = last;
    boolean idleRoundDue = previous == null
        || System.nanoTime() - previous.finishedNanos() >= IDLE_ROUND_EVERY.toNanos();
    if (running || (servedSinceRound == 0 && !idleRoundDue)) {
      return;
    }
    servedSinceRound = 0;
    running = true;
    vertx.executeBlocking(this::runRound, false).onComplete(done -> {
      running = false;
      if (done.succeeded() && !done.result().isPassed()) {
        onProblem.accept(done.result());
      }
    });
  }

  /** One round now, on the calling thread (rounds never overlap: the wash runs one at a time). */
  WashReport runRound() {
    long number = rounds.incrementAndGet();
    WashReport report = wash.wash(WashContext.SCHEDULED_PREFIX + "background-" + number);
    last = new Round(number, report, System.nanoTime());
    metrics.accept(report);
    return report;
  }

  /** Rounds run so far. */
  public long rounds() {
    return rounds.get();
  }

  /**
   * The wash step between tenants: PASSED on a round that passed within {@code maxAge} (naming it), else the
   * result of a round run now; FAILED with the round's first problem.
   */
  public WashStep freshRoundStep(Duration maxAge) {
    return new WashStep() {
      @Override
      public String name() {
        return STEP_NAME;
      }

      @Override
      public StepResult run(WashContext context) {
        Round round = last;
        boolean fresh = round != null && round.report().isPassed()
            && System.nanoTime() - round.finishedNanos() <= maxAge.toNanos();
        if (fresh) {
          return StepResult.passed("round " + round.number() + " passed "
              + (System.nanoTime() - round.finishedNanos()) / 1_000_000 + " ms ago: " + summary(round.report()));
        }
        WashReport now = runRound();
        StepReport problem = now.firstProblem();
        return problem == null ? StepResult.passed("round " + rounds.get() + " run now: " + summary(now))
            : StepResult.failed("round " + rounds.get() + ": " + problem.name() + " " + problem.outcome() + ": "
                + problem.detail());
      }
    };
  }

  private static String summary(WashReport report) {
    return report.steps().stream().map(s -> s.name() + " " + s.micros() + " us").collect(Collectors.joining(", "));
  }

  @Override
  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    wash.close();
  }
}
