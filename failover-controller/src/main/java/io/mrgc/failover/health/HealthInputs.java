package io.mrgc.failover.health;

import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.state.items.MetricItem;
import java.time.Instant;
import java.util.List;

/**
 * Everything one observer knows about one region at {@code now}: its gpu_instances rows, its routers' metrics rows
 * (any age; the evaluation picks the recent ones) and the probe of its health endpoint.
 */
public record HealthInputs(String region, Instant now, List<GpuInstanceItem> instances, List<MetricItem> metrics,
    ProbeResult probe) {

  public HealthInputs {
    instances = List.copyOf(instances);
    metrics = List.copyOf(metrics);
  }
}
