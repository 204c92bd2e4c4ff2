package io.mrgc.failover.loop;

import io.mrgc.failover.health.HealthInputs;
import io.mrgc.failover.health.HealthSignal;
import io.mrgc.failover.health.ProbeResult;
import io.mrgc.failover.health.RegionProbe;
import io.mrgc.failover.health.RegionalHealth;
import io.mrgc.failover.state.ObservationRepository;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.MetricsRepository;
import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.state.items.MetricItem;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * This controller's observation of every region: its instance rows and router metrics (the inside view, read from
 * this region's replicas) and a probe of its health endpoint from here (the outside view), judged by
 * {@link RegionalHealth} and written as this region's observation row of that region. A region whose rows cannot be
 * read gets no observation this time: no data is no vote (it is not a FAILED vote).
 */
final class RegionObserver {
  /** Router windows are keyed by their start: read far enough back to find every window that ended recently. */
  private static final Duration WINDOW_SLACK = Duration.ofSeconds(60);

  private final String observerRegion;
  private final String observer;
  private final RegionalHealth health;
  private final RegionProbe probe;
  private final GpuInstanceRepository instances;
  private final MetricsRepository metrics;
  private final ObservationRepository observations;
  private final Duration probeLimit;

  RegionObserver(String observerRegion, String observer, RegionalHealth health, RegionProbe probe,
      GpuInstanceRepository instances, MetricsRepository metrics, ObservationRepository observations,
      Duration probeLimit) {
    this.observerRegion = observerRegion;
    this.observer = observer;
    this.health = health;
    this.probe = probe;
    this.instances = instances;
    this.metrics = metrics;
    this.observations = observations;
    this.probeLimit = probeLimit;
  }

  /** Observes every region at {@code now} (probes run in parallel); problems are added to {@code problems}. */
  List<HealthSignal> observe(List<String> regions, Instant now, List<String> problems) {
    long since = now.minus(health.thresholds().metricsWindow()).minus(WINDOW_SLACK).toEpochMilli();
    List<Pending> pending = new ArrayList<>();
    for (String region : regions) {
      pending.add(new Pending(region, instances.listRegion(region), metrics.listRegionSince(region, since),
          probe.probe(region).completeOnTimeout(
              ProbeResult.unreachable(region, probeLimit, "no answer within " + probeLimit.toMillis() + " ms"),
              probeLimit.toMillis(), TimeUnit.MILLISECONDS)));
    }
    List<HealthSignal> signals = new ArrayList<>();
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (Pending p : pending) {
      HealthSignal signal;
      try {
        signal = health.evaluate(new HealthInputs(p.region, now, p.instances.join(), p.metrics.join(),
            p.probe.join()));
      } catch (CompletionException e) {
        problems.add("observing " + p.region + ": " + e.getCause());
        continue;
      }
      signals.add(signal);
      writes.add(observations.put(observerRegion, observer, signal));
    }
    for (int i = 0; i < writes.size(); i++) {
      try {
        writes.get(i).join();
      } catch (CompletionException e) {
        problems.add("writing the observation of " + signals.get(i).region() + ": " + e.getCause());
      }
    }
    return signals;
  }

  private record Pending(String region, CompletableFuture<List<GpuInstanceItem>> instances,
      CompletableFuture<List<MetricItem>> metrics, CompletableFuture<ProbeResult> probe) {}
}
