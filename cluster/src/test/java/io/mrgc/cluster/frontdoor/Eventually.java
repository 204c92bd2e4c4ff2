package io.mrgc.cluster.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Test helper: a bounded wait for a condition (health checks and dials change state on their own schedule). */
final class Eventually {
  private Eventually() {}

  /** Waits up to 10 s for {@code condition}; fails naming {@code what} if it never holds. */
  static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }
}
