package io.mrgc.failover.dials;

import java.time.Instant;
import java.util.OptionalInt;

/**
 * Where an actuator stands for one region: the dial asked for, the one it last applied, the attempts at the current
 * target and the last error (null once applied), when it last tried and when it tries again (null: not scheduled).
 */
public record DialStatus(String region, String actuator, Integer requested, Integer applied, int attempts,
    String lastError, Instant lastAttemptAt, Instant nextAttemptAt) {

  public static DialStatus unknown(String region, String actuator) {
    return new DialStatus(region, actuator, null, null, 0, null, null, null);
  }

  /** The dial this actuator has applied, if it knows one. */
  public OptionalInt appliedPercent() {
    return applied == null ? OptionalInt.empty() : OptionalInt.of(applied);
  }

  /** The attempts at the current target while they fail (the last one ended in an error), else 0. */
  public int failedAttempts() {
    return lastError == null ? 0 : attempts;
  }

  /** True when the requested dial is applied. */
  public boolean settled() {
    return requested != null && requested.equals(applied);
  }

  public String summary() {
    if (requested == null) {
      return actuator + ": nothing requested";
    }
    if (settled()) {
      return actuator + ": " + applied + " % applied";
    }
    return actuator + ": " + requested + " % requested (applied " + (applied == null ? "unknown" : applied + " %")
        + "), " + attempts + " attempt" + (attempts == 1 ? "" : "s") + (lastError == null ? "" : ", last error: "
        + lastError);
  }
}
