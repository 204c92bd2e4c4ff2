package io.mrgc.failover.health;

import io.mrgc.common.Check;
import io.mrgc.state.InstanceState;
import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.state.items.MetricItem;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Judges one region from one observer's inputs: pure (the time and every input are passed in), so the same inputs
 * give the same verdict. The verdict is the worst of three signals:
 *
 * <ul>
 *   <li>instances: serving (READY, BUSY, or WASHING between tenants) with a fresh heartbeat; none is FAILED, fewer
 *       than the minimum IMPAIRED;
 *   <li>routers: error rate and p99 over the recent windows, judged only with enough requests; no recent window is
 *       only a note (routers write a window every 10 s, so silence means a router that cannot reach DynamoDB, which
 *       the probe judges better);
 *   <li>probe: unreachable or not serving is FAILED, slow IMPAIRED; EVACUATED (503 because FAILOVER_ACTIVE, with
 *       routable instances) counts as serving, or a failed-over region could never be seen to recover.
 * </ul>
 */
public final class RegionalHealth {
  static final String ROUTER_SERIES_PREFIX = "router#";

  private final HealthThresholds thresholds;

  public RegionalHealth(HealthThresholds thresholds) {
    this.thresholds = Check.notNull("thresholds", thresholds);
  }

  public HealthThresholds thresholds() {
    return thresholds;
  }

  public HealthSignal evaluate(HealthInputs in) {
    List<String> reasons = new ArrayList<>();
    Verdict verdict = Verdict.HEALTHY;

    int serving = servingInstances(in);
    if (serving == 0) {
      verdict = Verdict.FAILED;
      reasons.add("no serving instance with a heartbeat in the last " + thresholds.heartbeatStaleAfter().toSeconds()
          + " s (" + in.instances().size() + " rows)");
    } else if (serving < thresholds.minServingInstances()) {
      verdict = Verdict.IMPAIRED;
      reasons.add(serving + " serving instance" + (serving == 1 ? "" : "s") + " (min "
          + thresholds.minServingInstances() + ")");
    }

    Traffic traffic = traffic(in);
    Double errorRate = null;
    Double p99 = null;
    if (traffic.windows == 0) {
      reasons.add("note: no router metrics in the last " + thresholds.metricsWindow().toSeconds() + " s");
    } else if (traffic.requests >= thresholds.minRequests()) {
      errorRate = (double) traffic.errors / traffic.requests;
      p99 = traffic.worstP99;
      if (errorRate >= thresholds.failedErrorRate()) {
        verdict = Verdict.FAILED;
        reasons.add(errorRateReason(errorRate, traffic.requests, "failed", thresholds.failedErrorRate()));
      } else if (errorRate >= thresholds.impairedErrorRate()) {
        verdict = Verdict.worse(verdict, Verdict.IMPAIRED);
        reasons.add(errorRateReason(errorRate, traffic.requests, "impaired", thresholds.impairedErrorRate()));
      }
      if (p99 > thresholds.maxP99Latency().toMillis()) {
        verdict = Verdict.worse(verdict, Verdict.IMPAIRED);
        reasons.add(String.format(Locale.ROOT, "router p99 %.0f ms (max %d ms)", p99,
            thresholds.maxP99Latency().toMillis()));
      }
    }

    ProbeResult probe = in.probe() == null ? ProbeResult.skipped(in.region()) : in.probe();
    switch (probe.outcome()) {
      case UNREACHABLE -> {
        verdict = Verdict.FAILED;
        reasons.add("probe unreachable: " + probe.detail());
      }
      case NOT_SERVING -> {
        verdict = Verdict.FAILED;
        reasons.add("probe not serving: " + probe.detail());
      }
      case SERVING, EVACUATED -> {
        if (probe.latency().compareTo(thresholds.slowProbe()) > 0) {
          verdict = Verdict.worse(verdict, Verdict.IMPAIRED);
          reasons.add("probe slow: " + probe.latency().toMillis() + " ms (max " + thresholds.slowProbe().toMillis()
              + " ms)");
        }
      }
      case SKIPPED -> { }
    }
    return new HealthSignal(in.region(), in.now(), verdict, reasons, serving, traffic.requests, errorRate, p99,
        probe.outcome());
  }

  private int servingInstances(HealthInputs in) {
    return servingInstances(in.instances(), in.now().toEpochMilli() - thresholds.heartbeatStaleAfter().toMillis());
  }

  /** The instances that serve (or are between two requests) with a heartbeat at or after {@code freshSince}. */
  public static int servingInstances(List<GpuInstanceItem> instances, long freshSince) {
    int serving = 0;
    for (GpuInstanceItem item : instances) {
      if (item.getHeartbeatAtMillis() >= freshSince && serving(item.getState())) {
        serving++;
      }
    }
    return serving;
  }

  /** READY and BUSY are routable; WASHING is the instance between two requests, alive and coming back. */
  private static boolean serving(String state) {
    return InstanceState.READY.name().equals(state) || InstanceState.BUSY.name().equals(state)
        || InstanceState.WASHING.name().equals(state);
  }

  private record Traffic(int windows, long requests, long errors, double worstP99) {}

  private Traffic traffic(HealthInputs in) {
    long since = in.now().toEpochMilli() - thresholds.metricsWindow().toMillis();
    int windows = 0;
    long requests = 0;
    long errors = 0;
    double worstP99 = 0;
    for (MetricItem m : in.metrics()) {
      boolean router = m.getSeries() != null && m.getSeries().startsWith(ROUTER_SERIES_PREFIX);
      if (!router || m.getWindowStartMillis() + m.getWindowMillis() < since) {
        continue;
      }
      windows++;
      requests += m.getRequests();
      errors += m.getErrors();
      if (m.getRequests() > 0) {
        worstP99 = Math.max(worstP99, m.getLatencyP99Ms());
      }
    }
    return new Traffic(windows, requests, errors, worstP99);
  }

  private static String errorRateReason(double rate, long requests, String level, double threshold) {
    return String.format(Locale.ROOT, "error rate %.1f %% over %d requests (%s at %.0f %%)", rate * 100, requests,
        level, threshold * 100);
  }
}
