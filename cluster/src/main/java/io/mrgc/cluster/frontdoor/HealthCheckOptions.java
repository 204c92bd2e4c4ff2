package io.mrgc.cluster.frontdoor;

import io.mrgc.common.Check;
import java.time.Duration;

/**
 * Health checks with Global Accelerator's semantics: a region flips to unhealthy after {@code thresholdCount}
 * consecutive failed checks and back after as many consecutive passes. GA allows intervals of 10 or 30 s and
 * thresholds 1..10 (default 3); the local cluster may check faster.
 */
public record HealthCheckOptions(Duration interval, int thresholdCount, Duration timeout, String path) {
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
  public static final int DEFAULT_THRESHOLD_COUNT = 2;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  public static final String DEFAULT_PATH = "/healthz/region";

  public HealthCheckOptions {
    Check.positive("interval", interval);
    Check.between("thresholdCount", thresholdCount, 1, 10);
    Check.positive("timeout", timeout);
    Check.notBlank("path", path);
  }

  public static HealthCheckOptions defaults() {
    return new HealthCheckOptions(DEFAULT_INTERVAL, DEFAULT_THRESHOLD_COUNT, DEFAULT_TIMEOUT, DEFAULT_PATH);
  }
}
