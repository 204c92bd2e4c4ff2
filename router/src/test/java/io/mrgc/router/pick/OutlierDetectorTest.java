package io.mrgc.router.pick;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final OutlierDetector detector = new OutlierDetector(3, Duration.ofSeconds(10), 50, now::get);

  @Test
  void consecutiveFailuresEjectAndTheInstanceReturnsAfterTheBaseTime() {
    detector.fleetSize(4);
    List<String> ejected = new ArrayList<>();
    detector.onEjection(ejected::add);
    assertThat(detector.failed("a")).isFalse();
    detector.succeeded("a"); // a success breaks the streak
    assertThat(detector.failed("a")).isFalse();
    assertThat(detector.failed("a")).isFalse();
    assertThat(detector.isEjected("a")).isFalse();
    assertThat(detector.failed("a")).isTrue();
    assertThat(detector.isEjected("a")).isTrue();
    assertThat(ejected).containsExactly("a");

    now.addAndGet(9_999);
    assertThat(detector.isEjected("a")).isTrue();
    now.addAndGet(2);
    assertThat(detector.isEjected("a")).isFalse();
  }

  @Test
  void connectFailureEjectsAtOnceAndRepeatedEjectionsLastLonger() {
    detector.fleetSize(4);
    assertThat(detector.connectFailed("a")).isTrue();
    now.addAndGet(10_001);
    assertThat(detector.isEjected("a")).isFalse();
    assertThat(detector.connectFailed("a")).isTrue(); // second ejection soon after: 2 x base
    now.addAndGet(15_000);
    assertThat(detector.isEjected("a")).isTrue();
    now.addAndGet(5_001);
    assertThat(detector.isEjected("a")).isFalse();
  }

  @Test
  void ejectedShareIsCappedButOneMayAlwaysBeEjected() {
    detector.fleetSize(4); // 50% of 4 = 2
    assertThat(detector.connectFailed("a")).isTrue();
    assertThat(detector.connectFailed("b")).isTrue();
    assertThat(detector.connectFailed("c")).isFalse();
    assertThat(detector.ejectedCount()).isEqualTo(2);

    OutlierDetector strict = new OutlierDetector(1, Duration.ofSeconds(10), 10, now::get);
    strict.fleetSize(2); // 10% of 2 rounds to 0, but one ejection is still allowed
    assertThat(strict.connectFailed("x")).isTrue();
    assertThat(strict.connectFailed("y")).isFalse();
  }
}
