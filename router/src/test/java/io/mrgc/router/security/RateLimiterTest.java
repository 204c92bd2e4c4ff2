package io.mrgc.router.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private final AtomicLong nanos = new AtomicLong(5_000_000_000L);

  @Test
  void allowsTheBurstThenRefillsAtTheRate() {
    RateLimiter limiter = new RateLimiter(100, nanos::get);
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.tryAcquire("t", 2, 10)).isZero();
    }
    assertThat(limiter.tryAcquire("t", 2, 10)).as("Retry-After in whole seconds, at least 1").isEqualTo(1);
    nanos.addAndGet(500_000_000L); // half a second at 2 rps: one token
    assertThat(limiter.tryAcquire("t", 2, 10)).isZero();
    assertThat(limiter.tryAcquire("t", 2, 10)).isEqualTo(1);
    assertThat(limiter.tryAcquire("slow", 0.1, 1)).isZero();
    assertThat(limiter.tryAcquire("slow", 0.1, 1)).as("one token every 10 s").isEqualTo(10);
    nanos.addAndGet(3_600_000_000_000L);
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.tryAcquire("t", 2, 10)).as("refills up to the burst only").isZero();
    }
    assertThat(limiter.tryAcquire("t", 2, 10)).isPositive();
  }

  @Test
  void theBucketMapIsBounded() {
    RateLimiter limiter = new RateLimiter(50, nanos::get);
    for (int i = 0; i < 1_000; i++) {
      limiter.tryAcquire("tenant-" + i, 50, 100);
    }
    assertThat(limiter.size()).isEqualTo(50);
  }
}
