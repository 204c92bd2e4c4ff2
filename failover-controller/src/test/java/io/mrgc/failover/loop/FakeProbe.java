package io.mrgc.failover.loop;

import io.mrgc.failover.health.ProbeResult;
import io.mrgc.failover.health.RegionProbe;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** One observer's view of the regions' health endpoints: serving unless the test says otherwise. */
public final class FakeProbe implements RegionProbe {
  private final Map<String, ProbeResult> overrides = new ConcurrentHashMap<>();

  public void unreachable(String region) {
    overrides.put(region, ProbeResult.unreachable(region, Duration.ofSeconds(2), "ConnectException: timed out"));
  }

  public void serving(String region) {
    overrides.remove(region);
  }

  @Override
  public CompletableFuture<ProbeResult> probe(String region) {
    return CompletableFuture.completedFuture(
        overrides.getOrDefault(region, ProbeResult.serving(region, 2, Duration.ofMillis(20))));
  }
}
