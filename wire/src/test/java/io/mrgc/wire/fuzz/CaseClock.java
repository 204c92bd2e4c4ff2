package io.mrgc.wire.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounded time per fuzz case: each case is measured and must finish within {@link #LIMIT_MILLIS} (a parser that
 * goes quadratic or loops shows up here; the counts and the slowest case are printed for the long run's report).
 */
public final class CaseClock {
  public static final long LIMIT_MILLIS = 5_000; // generous: a first case pays class loading on a busy machine
  private final String name;
  private final AtomicLong cases = new AtomicLong();
  private final AtomicLong slowestNanos = new AtomicLong();

  public CaseClock(String name) {
    this.name = name;
  }

  /** Runs one case and checks its duration. */
  public void time(Runnable fuzzCase) {
    long t0 = System.nanoTime();
    fuzzCase.run();
    long took = System.nanoTime() - t0;
    cases.incrementAndGet();
    slowestNanos.accumulateAndGet(took, Math::max);
    assertThat(took / 1_000_000).as("%s: one case took too long", name).isLessThan(LIMIT_MILLIS);
  }

  /** Prints "fuzz NAME: N cases, slowest X ms" (the long run's report greps these lines). */
  public void report() {
    if (cases.get() == 0) {
      return; // a property of the class that has not run yet
    }
    System.out.printf("fuzz %s: %d cases, slowest %.1f ms%n", name, cases.get(), slowestNanos.get() / 1e6);
  }
}
