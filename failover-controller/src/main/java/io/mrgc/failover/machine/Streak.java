package io.mrgc.failover.machine;

import java.time.Duration;
import java.time.Instant;

/** Consecutive evaluations with one condition: since the first of them, and how many. */
public record Streak(Instant since, int count) {
  public static final Streak NONE = new Streak(null, 0);

  Streak extend(Instant now) {
    return count == 0 ? new Streak(now, 1) : new Streak(since, count + 1);
  }

  public Duration length(Instant now) {
    return count == 0 ? Duration.ZERO : Duration.between(since, now);
  }

  public boolean reached(Hold hold, Instant now) {
    return count >= hold.evaluations() && length(now).compareTo(hold.duration()) >= 0;
  }

  String describe(Instant now) {
    return "for " + length(now).toSeconds() + " s (" + count + " evaluation" + (count == 1 ? "" : "s") + ")";
  }
}
