package io.mrgc.failover.health;

import java.util.concurrent.CompletableFuture;

/**
 * The outside view of a region: a probe of its {@code /healthz/region} from where this controller runs. Never fails:
 * an unreachable region is an {@link ProbeResult.Outcome#UNREACHABLE} result.
 */
@FunctionalInterface
public interface RegionProbe {
  /** No probes: every result SKIPPED (health from heartbeats and metrics only). */
  RegionProbe NONE = region -> CompletableFuture.completedFuture(ProbeResult.skipped(region));

  CompletableFuture<ProbeResult> probe(String region);
}
