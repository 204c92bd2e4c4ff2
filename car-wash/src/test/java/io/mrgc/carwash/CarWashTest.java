package io.mrgc.carwash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CarWashTest {
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);

  static WashStep step(String name, StepResult result) {
    return new WashStep() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public StepResult run(WashContext context) {
        return result;
      }
    };
  }

  @Test
  void runsStepsInOrderAndTimesEach() {
    AtomicInteger order = new AtomicInteger();
    WashStep first = new WashStep() {
      @Override
      public String name() {
        return "first";
      }

      @Override
      public StepResult run(WashContext context) {
        assertThat(order.getAndIncrement()).isZero();
        assertThat(context.requestId()).isEqualTo("req-1");
        assertThat(context.sequence()).isEqualTo(1);
        assertThat(context.followsRequest()).isTrue();
        return StepResult.passed("ok");
      }
    };
    WashStep second = new WashStep() {
      @Override
      public String name() {
        return "second";
      }

      @Override
      public StepResult run(WashContext context) throws Exception {
        assertThat(order.getAndIncrement()).isEqualTo(1);
        Thread.sleep(5);
        return StepResult.passed("slept");
      }
    };
    try (CarWash wash = new CarWash(List.of(first, second), Duration.ofSeconds(5), CLOCK)) {
      WashReport report = wash.wash("req-1");
      assertThat(report.outcome()).isEqualTo(WashReport.Outcome.PASSED);
      assertThat(report.requestId()).isEqualTo("req-1");
      assertThat(report.completedAtMillis()).isEqualTo(1_700_000_000_000L);
      assertThat(report.steps()).extracting(StepReport::name).containsExactly("first", "second");
      assertThat(report.steps()).extracting(StepReport::outcome)
          .containsOnly(StepReport.Outcome.PASSED);
      assertThat(report.steps().get(1).nanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(5));
      assertThat(report.totalNanos()).isGreaterThanOrEqualTo(report.steps().get(0).nanos()
          + report.steps().get(1).nanos());
      assertThat(report.firstProblem()).isNull();
      assertThat(wash.wash("req-2").sequence()).isEqualTo(2);
    }
  }

  @Test
  void aFailedOrThrowingStepFailsTheWashAndSkipsTheRest() {
    WashStep thrower = new WashStep() {
      @Override
      public String name() {
        return "thrower";
      }

      @Override
      public StepResult run(WashContext context) {
        throw new IllegalStateException("disk gone");
      }
    };
    try (CarWash wash = new CarWash(List.of(step("a", StepResult.passed("fine")), thrower,
        step("c", StepResult.passed("never"))), Duration.ofSeconds(5), CLOCK)) {
      WashReport report = wash.wash("r");
      assertThat(report.outcome()).isEqualTo(WashReport.Outcome.FAILED);
      assertThat(report.steps()).extracting(StepReport::outcome).containsExactly(
          StepReport.Outcome.PASSED, StepReport.Outcome.FAILED, StepReport.Outcome.SKIPPED);
      assertThat(report.steps().get(1).detail()).isEqualTo("IllegalStateException: disk gone");
      assertThat(report.steps().get(2).detail()).isEqualTo("skipped: an earlier step failed");
      assertThat(report.firstProblem().name()).isEqualTo("thrower");
    }
    try (CarWash wash = new CarWash(List.of(step("x", StepResult.failed("dirty")), step("y", StepResult.passed(""))),
        Duration.ofSeconds(5), CLOCK)) {
      WashReport report = wash.wash("r");
      assertThat(report.outcome()).isEqualTo(WashReport.Outcome.FAILED);
      assertThat(report.steps().get(0).detail()).isEqualTo("dirty");
    }
  }

  @Test
  void aSlowStepThatGivesUpWhenInterruptedStillCountsAsTimedOutNotFailed() {
    WashStep slow = new WashStep() {
      @Override
      public String name() {
        return "slow";
      }

      @Override
      public StepResult run(WashContext context) throws Exception {
        Thread.sleep(60_000); // throws InterruptedException when the wash gives up on it
        return StepResult.passed("never");
      }
    };
    try (CarWash wash = new CarWash(List.of(slow, step("z", StepResult.passed(""))), Duration.ofMillis(100), CLOCK)) {
      for (int i = 0; i < 20; i++) { // the interrupted step races the time-out's record: it must never win
        WashReport report = wash.wash("r" + i);
        assertThat(report.outcome()).isEqualTo(WashReport.Outcome.TIMED_OUT);
        assertThat(report.steps().get(0).outcome()).isEqualTo(StepReport.Outcome.TIMED_OUT);
      }
    }
  }

  @Test
  void aHungStepTimesTheWashOutWithoutHoldingTheCallerAndTheNextWashStillRuns() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    WashStep hang = new WashStep() {
      @Override
      public String name() {
        return "hang";
      }

      @Override
      public StepResult run(WashContext context) {
        if (calls.getAndIncrement() == 0) {
          // Ignores interruption on purpose: a step stuck in native code.
          while (never.getCount() > 0) {
            try {
              never.await();
            } catch (InterruptedException ignored) {
              // keep hanging
            }
          }
        }
        return StepResult.passed("quick this time");
      }
    };
    try (CarWash wash = new CarWash(List.of(step("a", StepResult.passed("")), hang, step("z", StepResult.passed(""))),
        Duration.ofMillis(200), CLOCK)) {
      long start = System.nanoTime();
      WashReport report = wash.wash("r1");
      long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(took).isLessThan(2_000);
      assertThat(report.outcome()).isEqualTo(WashReport.Outcome.TIMED_OUT);
      assertThat(report.steps()).extracting(StepReport::outcome).containsExactly(
          StepReport.Outcome.PASSED, StepReport.Outcome.TIMED_OUT, StepReport.Outcome.SKIPPED);
      assertThat(report.steps().get(1).detail()).isEqualTo("still running at the wash's time limit of 200 ms");
      assertThat(report.steps().get(1).nanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(150));
      assertThat(report.steps().get(2).detail()).isEqualTo("skipped: wash timed out");

      // The abandoned thread is still stuck; a new one serves the next wash.
      WashReport next = wash.wash("r2");
      assertThat(next.outcome()).isEqualTo(WashReport.Outcome.PASSED);
    } finally {
      never.countDown();
    }
  }

  @Test
  void detailsAreTruncatedAndControlCharactersReplaced() {
    String longDetail = "x".repeat(1000);
    try (CarWash wash = new CarWash(List.of(step("a", StepResult.passed("line1\nline2")),
        step("b", StepResult.passed(longDetail))), Duration.ofSeconds(5), CLOCK)) {
      WashReport report = wash.wash("r");
      assertThat(report.steps().get(0).detail()).isEqualTo("line1 line2");
      assertThat(report.steps().get(1).detail()).hasSize(CarWash.MAX_DETAIL_CHARS).endsWith("...");
    }
  }

  @Test
  void configurationIsValidated() {
    assertThatThrownBy(() -> new CarWash(List.of(), Duration.ofSeconds(1), CLOCK))
        .hasMessage("a car wash needs at least one step");
    assertThatThrownBy(() -> new CarWash(List.of(step("a", StepResult.passed(""))), Duration.ZERO, CLOCK))
        .hasMessage("wash time limit must be positive, got PT0S");
    CarWash closed = new CarWash(List.of(step("a", StepResult.passed(""))), Duration.ofSeconds(1), CLOCK);
    closed.close();
    assertThatThrownBy(() -> closed.wash("r")).hasMessage("car wash is closed");
  }
}
