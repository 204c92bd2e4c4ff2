package io.mrgc.agent.http;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mrgc.agent.batch.Admission;

/**
 * The agent's own Prometheus registry (one per agent, so several agents in one JVM under {@code mrgc up} keep
 * separate figures). Labels are bounded: a fixed endpoint name and the status code, never paths or ids.
 */
public final class AgentMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final DistributionSummary batchSizes;

  public AgentMetrics(Admission admission) {
    batchSizes = DistributionSummary.builder("mrgc.agent.batch.size")
        .description("inputs per ONNX Runtime session run")
        .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256)
        .register(registry);
    Gauge.builder("mrgc.agent.queue.depth", admission, Admission::queueDepth)
        .description("admitted requests waiting for a model worker").register(registry);
    Gauge.builder("mrgc.agent.in.flight", admission, Admission::inFlight)
        .description("requests being computed").register(registry);
    Gauge.builder("mrgc.agent.latency.ewma", admission, Admission::latencyEwmaMs)
        .baseUnit("milliseconds").description("EWMA of admitted request latency").register(registry);
    Gauge.builder("mrgc.agent.health", admission, Admission::health)
        .description("health score 0..100 reported in heartbeats").register(registry);
  }

  public void request(String endpoint, int status) {
    registry.counter("mrgc.agent.http.requests", "endpoint", endpoint, "status", Integer.toString(status)).increment();
  }

  public void batch(int size) {
    batchSizes.record(size);
  }

  public String scrape() {
    return registry.scrape();
  }
}
