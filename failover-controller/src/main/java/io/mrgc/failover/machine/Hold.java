package io.mrgc.failover.machine;

import io.mrgc.common.Check;
import java.time.Duration;

/**
 * How long a signal must hold before a transition: at least {@code evaluations} consecutive evaluations AND at least
 * {@code duration} from the first of them. A signal that wobbles around a threshold restarts the count each time, so
 * it never reaches the hold.
 */
public record Hold(int evaluations, Duration duration) {
  public Hold {
    Check.between("evaluations", evaluations, 1, 10_000);
    Check.positive("duration", duration);
  }

  public static Hold of(int evaluations, Duration duration) {
    return new Hold(evaluations, duration);
  }

  @Override
  public String toString() {
    return duration.toSeconds() + " s and " + evaluations + " evaluation" + (evaluations == 1 ? "" : "s");
  }
}
