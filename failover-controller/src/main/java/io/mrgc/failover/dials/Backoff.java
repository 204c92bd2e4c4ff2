package io.mrgc.failover.dials;

import io.mrgc.common.Check;
import java.time.Duration;

/**
 * Exponential backoff between retries of a failed actuator call: {@code initial}, then times {@code multiplier} per
 * failure, capped at {@code max}. The defaults (1 s, x2, 60 s) keep retrying a control plane that is down for hours
 * at one call a minute.
 */
public record Backoff(Duration initial, double multiplier, Duration max) {
  public Backoff {
    Check.positive("initial", initial);
    if (!(multiplier >= 1)) {
      throw new IllegalArgumentException("multiplier must be at least 1, but was " + multiplier);
    }
    Check.positive("max", max);
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max must not be below initial, but was " + max + " < " + initial);
    }
  }

  public static Backoff defaults() {
    return new Backoff(Duration.ofSeconds(1), 2, Duration.ofSeconds(60));
  }

  /** The wait after the {@code failures}-th consecutive failure (1-based). */
  public Duration delay(int failures) {
    double millis = initial.toMillis() * Math.pow(multiplier, Math.max(0, failures - 1));
    return millis >= max.toMillis() ? max : Duration.ofMillis(Math.round(millis));
  }
}
