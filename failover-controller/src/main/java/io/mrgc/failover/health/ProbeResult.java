package io.mrgc.failover.health;

import java.time.Duration;

/**
 * What a probe of a region's {@code /healthz/region} saw from the prober's region (the outside view).
 *
 * @param httpStatus 0 when no answer came
 * @param routable the routers' count of routable instances from the answer's JSON, or null when absent
 * @param failoverState the failover state the router answered with, or null
 * @param latency time to the full answer (or to the failure)
 * @param detail short text for reasons: the error, or what the answer said
 */
public record ProbeResult(String region, Outcome outcome, int httpStatus, Integer routable, String failoverState,
    Duration latency, String detail) {

  public enum Outcome {
    /** 200: the region serves. */
    SERVING,
    /**
     * 503 only because the region is FAILOVER_ACTIVE while it has routable instances: routers fail their health on
     * purpose to move traffic away, so the region itself is fine (this is how recovery is seen at all).
     */
    EVACUATED,
    /** Any other answer: 503 with nothing routable, 5xx, unreadable. */
    NOT_SERVING,
    /** No answer: connection refused or reset, DNS, timeout. */
    UNREACHABLE,
    /** No probe configured for the region: the signal is left out. */
    SKIPPED
  }

  public static ProbeResult skipped(String region) {
    return new ProbeResult(region, Outcome.SKIPPED, 0, null, null, Duration.ZERO, "no probe configured");
  }

  public static ProbeResult unreachable(String region, Duration latency, String detail) {
    return new ProbeResult(region, Outcome.UNREACHABLE, 0, null, null, latency, detail);
  }

  /** A serving answer with {@code routable} instances (tests and fakes). */
  public static ProbeResult serving(String region, int routable, Duration latency) {
    return new ProbeResult(region, Outcome.SERVING, 200, routable, "NORMAL", latency, "serving");
  }
}
