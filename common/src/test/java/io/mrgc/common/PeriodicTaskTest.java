package io.mrgc.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PeriodicTaskTest {
  @Test
  void aFailingTickIsReportedAndTheLoopGoesOnUntilClosed() throws Exception {
    AtomicInteger ticks = new AtomicInteger();
    List<RuntimeException> failures = new CopyOnWriteArrayList<>();
    CountDownLatch third = new CountDownLatch(3);
    PeriodicTask task = PeriodicTask.start("test-loop", Duration.ofMillis(10), () -> {
      third.countDown();
      if (ticks.incrementAndGet() == 1) {
        throw new IllegalStateException("store timeout");
      }
    }, failures::add);
    assertThat(third.await(10, TimeUnit.SECONDS)).as("ticks after a failed one").isTrue();
    task.close();
    int afterClose = ticks.get();
    Thread.sleep(100);
    assertThat(ticks.get()).as("ticks after close").isEqualTo(afterClose);
    assertThat(failures).singleElement().extracting(Throwable::getMessage).isEqualTo("store timeout");
  }

  @Test
  void aPeriodMustBePositive() {
    assertThatThrownBy(() -> PeriodicTask.start("x", Duration.ZERO, () -> { }, e -> { }))
        .hasMessageContaining("period");
  }
}
