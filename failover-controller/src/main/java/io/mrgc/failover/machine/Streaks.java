package io.mrgc.failover.machine;

import io.mrgc.failover.health.Verdict;
import java.time.Instant;
import java.util.Optional;

/**
 * The streaks the transitions wait on, a function of the sequence of combined verdicts only (transitions do not
 * reset them, so a failure that began while NORMAL is not delayed by passing through DEGRADED). An UNKNOWN
 * evaluation (too few fresh observers) breaks every streak.
 *
 * @param unhealthy IMPAIRED or FAILED
 * @param failed FAILED
 * @param healthy HEALTHY
 */
public record Streaks(Streak unhealthy, Streak failed, Streak healthy) {
  public static final Streaks NONE = new Streaks(Streak.NONE, Streak.NONE, Streak.NONE);

  public Streaks next(Optional<Verdict> verdict, Instant now) {
    if (verdict.isEmpty()) {
      return NONE;
    }
    return switch (verdict.get()) {
      case HEALTHY -> new Streaks(Streak.NONE, Streak.NONE, healthy.extend(now));
      case IMPAIRED -> new Streaks(unhealthy.extend(now), Streak.NONE, Streak.NONE);
      case FAILED -> new Streaks(unhealthy.extend(now), failed.extend(now), Streak.NONE);
    };
  }
}
