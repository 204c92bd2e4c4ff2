package io.mrgc.router;

import io.mrgc.common.Check;
import java.time.Duration;

/**
 * How a region's routers share each tenant's rate limit (the rate and burst come from the tenant's row or
 * {@link RouterOptions#defaultRateLimitRps()} / {@link RouterOptions#defaultRateLimitBurst()}): one token bucket per
 * tenant and region in the {@code rate_limits} table, from which each router takes tokens in leases of at most
 * {@code leaseTokens} and serves requests from them locally (see the router README).
 *
 * @param leaseTokens most tokens one router takes from the regional bucket at once (capped at the tenant's burst);
 *     larger means fewer DynamoDB writes, and at most this many tokens per router sit unused while another router
 *     of the region wants them
 * @param fallbackProbeInterval while the table cannot be reached, how often a router tries it again; meanwhile each
 *     router limits a tenant on its own to rps / N and burst / N (N = routers of the region with recent metrics rows)
 */
public record RegionRateLimits(int leaseTokens, Duration fallbackProbeInterval) {
  public static final int DEFAULT_LEASE_TOKENS = 10;
  public static final Duration DEFAULT_FALLBACK_PROBE_INTERVAL = Duration.ofSeconds(1);

  public RegionRateLimits {
    Check.between("leaseTokens", leaseTokens, 1, 1_000_000);
    Check.positive("fallbackProbeInterval", fallbackProbeInterval);
  }

  public static RegionRateLimits defaults() {
    return new RegionRateLimits(DEFAULT_LEASE_TOKENS, DEFAULT_FALLBACK_PROBE_INTERVAL);
  }

  public RegionRateLimits withLeaseTokens(int value) {
    return new RegionRateLimits(value, fallbackProbeInterval);
  }

  public RegionRateLimits withFallbackProbeInterval(Duration value) {
    return new RegionRateLimits(leaseTokens, value);
  }
}
