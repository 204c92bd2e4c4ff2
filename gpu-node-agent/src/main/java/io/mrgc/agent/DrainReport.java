package io.mrgc.agent;

import java.time.Duration;
import java.util.Locale;

/**
 * What a graceful drain ({@link NodeAgent#drain}) did, for the stop log line.
 *
 * @param inFlightAtStart requests running when the drain began (at most maxBatchSize, all of one tenant)
 * @param answered requests answered during the drain, each after its scrub
 * @param lastWash the outcome of the last wash that ran during the drain ({@code passed}, {@code failed},
 *     {@code timed_out}), or null when none ran
 * @param complete whether the instance was idle before {@code grace} ran out
 */
public record DrainReport(int inFlightAtStart, long answered, String lastWash, boolean complete, Duration grace) {
  static DrainReport of(int inFlightAtStart, long answered, io.mrgc.carwash.WashReport lastWash, boolean complete,
      Duration grace) {
    return new DrainReport(inFlightAtStart, answered,
        lastWash == null ? null : lastWash.outcome().name().toLowerCase(Locale.ROOT), complete, grace);
  }

  /** One line: {@code drained in-flight requests: 1 of 1 answered after its wash (passed) within the 20s grace}. */
  public String describe() {
    String washes = lastWash == null ? "no wash ran" : "the last wash " + lastWash;
    return complete
        ? "drained in-flight requests: " + answered + " of " + inFlightAtStart + " answered; " + washes
            + " (within the " + grace.toSeconds() + " s grace)"
        : "the " + grace.toSeconds() + " s grace ran out with work in flight: " + answered + " of " + inFlightAtStart
            + " in-flight request(s) answered; " + washes + "; the rest were cut off";
  }
}
