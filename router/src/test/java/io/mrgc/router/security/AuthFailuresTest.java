package io.mrgc.router.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.ApiKeys;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Failed authentications per source address and per key prefix (issue #10, finding 8). */
class AuthFailuresTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Test
  void aSourceIsLimitedAfterItsBurstOfFailuresAndRecoversAtTheRate() {
    // Proves the per-source limit: without it a source could make a table read per random key forever.
    AuthFailures failures = new AuthFailures(1, 3, 100, nanos::get);
    for (int i = 0; i < 3; i++) {
      assertThat(failures.retryAfter("198.51.100.1", ApiKeys.generate())).isZero();
      failures.failed("198.51.100.1", ApiKeys.generate());
    }
    assertThat(failures.retryAfter("198.51.100.1", ApiKeys.generate())).isEqualTo(1);
    assertThat(failures.retryAfter("198.51.100.2", ApiKeys.generate())).as("another source").isZero();
    nanos.addAndGet(1_000_000_000L);
    assertThat(failures.retryAfter("198.51.100.1", ApiKeys.generate())).as("one token back after 1 s").isZero();
  }

  @Test
  void oneKeyPrefixIsLimitedAcrossSources() {
    // Proves the per-prefix limit: one key (or its prefix) tried from many addresses is limited too.
    AuthFailures failures = new AuthFailures(1, 3, 100, nanos::get);
    String key = ApiKeys.generate();
    String samePrefix = key.substring(0, ApiKeys.PREFIX.length() + AuthFailures.PREFIX_CHARS)
        + ApiKeys.generate().substring(ApiKeys.PREFIX.length() + AuthFailures.PREFIX_CHARS);
    for (int i = 0; i < 3; i++) {
      failures.failed("203.0.113." + i, key);
    }
    assertThat(failures.retryAfter("203.0.113.99", samePrefix)).isPositive();
    assertThat(failures.retryAfter("203.0.113.99", ApiKeys.generate())).as("another prefix").isZero();
    assertThat(AuthFailures.prefixOf("garbage")).as("malformed keys share one bucket").isEqualTo(AuthFailures.MALFORMED);
  }
}
