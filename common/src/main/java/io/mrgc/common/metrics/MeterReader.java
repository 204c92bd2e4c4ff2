package io.mrgc.common.metrics;

import static io.mrgc.common.metrics.EmfNames.counterUnit;
import static io.mrgc.common.metrics.EmfNames.metricName;
import static io.mrgc.common.metrics.EmfNames.valueUnit;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import software.amazon.cloudwatchlogs.emf.model.Unit;

/**
 * Reads a registry's meters as EMF values: counters as the increase since the previous read (the registry behind
 * Prometheus keeps cumulative counts, CloudWatch sums what each event reports), gauges as they are now, timers and
 * summaries as {@code .Count} and {@code .Sum} increases plus {@code .Max} (Micrometer's recent maximum, written only
 * when the interval had samples), and for timers with a percentile histogram {@code .P95}: the upper bound of the
 * histogram bucket holding the interval's 95th percentile (EMF carries no percentiles of its own, and a CloudWatch
 * alarm on p95 needs one; the bound overstates the p95 by at most one bucket). Values that are not finite (a gauge's NaN for "unknown") are left out, as EMF
 * requires numbers. Not thread-safe: {@link EmfPublisher} reads under its lock.
 */
final class MeterReader {
  private final Set<String> nameTags;
  /** Per meter, the cumulative count (and total) at the previous read; meters no longer registered are forgotten. */
  private Map<Meter.Id, double[]> previous = new HashMap<>();
  /** Per timer with a histogram, its cumulative bucket counts at the previous read. */
  private Map<Meter.Id, double[]> previousBuckets = new HashMap<>();

  MeterReader(Set<String> nameTags) {
    this.nameTags = nameTags;
  }

  List<EmfDatum> read(Iterable<Meter> meters) {
    Map<Meter.Id, double[]> seen = new HashMap<>();
    Map<Meter.Id, double[]> seenBuckets = new HashMap<>();
    List<EmfDatum> out = new ArrayList<>();
    for (Meter meter : meters) {
      Meter.Id id = meter.getId();
      if (id.syntheticAssociation() != null) {
        continue; // percentile and histogram gauges some registries derive from a timer: the timer speaks for them
      }
      meter.use(
          gauge -> value(out, id, "", gauge.value(), valueUnit(id)),
          counter -> value(out, id, "", delta(seen, id, counter.count(), 0), counterUnit(id)),
          timer -> {
            timed(out, seen, id, timer.count(), timer.totalTime(TimeUnit.MILLISECONDS),
                timer.max(TimeUnit.MILLISECONDS), Unit.MILLISECONDS);
            p95(out, seenBuckets, id, timer.takeSnapshot().histogramCounts());
          },
          summary -> timed(out, seen, id, summary.count(), summary.totalAmount(), summary.max(), valueUnit(id)),
          longTask -> {
            value(out, id, ".Active", longTask.activeTasks(), Unit.COUNT);
            value(out, id, ".Duration", longTask.duration(TimeUnit.MILLISECONDS), Unit.MILLISECONDS);
          },
          timeGauge -> value(out, id, "", timeGauge.value(TimeUnit.MILLISECONDS), Unit.MILLISECONDS),
          functionCounter -> value(out, id, "", delta(seen, id, functionCounter.count(), 0), counterUnit(id)),
          functionTimer -> timed(out, seen, id, (long) functionTimer.count(),
              functionTimer.totalTime(TimeUnit.MILLISECONDS), Double.NaN, Unit.MILLISECONDS),
          other -> { }); // custom meters have no agreed meaning in EMF: Prometheus only
    }
    previous = seen;
    previousBuckets = seenBuckets;
    return out;
  }

  /** {@code .P95} from the increase of each bucket's count ("at most le") since the previous read. */
  private void p95(List<EmfDatum> out, Map<Meter.Id, double[]> seenBuckets, Meter.Id id, CountAtBucket[] buckets) {
    if (buckets.length == 0) {
      return; // no histogram on this timer
    }
    double[] now = new double[buckets.length];
    for (int i = 0; i < buckets.length; i++) {
      now[i] = buckets[i].count();
    }
    seenBuckets.put(id, now);
    double[] before = previousBuckets.get(id);
    if (before == null || before.length != now.length) {
      before = new double[now.length];
    }
    double samples = now[now.length - 1] - before[before.length - 1];
    if (samples <= 0) {
      return;
    }
    for (int i = 0; i < buckets.length; i++) {
      if (now[i] - before[i] >= 0.95 * samples) {
        add(out, datum(id, ".P95", buckets[i].bucket(TimeUnit.MILLISECONDS), Unit.MILLISECONDS, true));
        return;
      }
    }
  }

  private void timed(List<EmfDatum> out, Map<Meter.Id, double[]> seen, Meter.Id id, long count, double total,
      double max, Unit unit) {
    double samples = delta(seen, id, count, 0);
    value(out, id, ".Count", samples, Unit.COUNT);
    value(out, id, ".Sum", delta(seen, id, total, 1), unit);
    if (samples > 0) {
      add(out, datum(id, ".Max", max, unit, true));
    }
  }

  /** The increase since the previous read; a meter that went down was reset (removed and registered again). */
  private double delta(Map<Meter.Id, double[]> seen, Meter.Id id, double cumulative, int slot) {
    double[] now = seen.computeIfAbsent(id, k -> new double[2]);
    now[slot] = cumulative;
    double[] before = previous.get(id);
    double increase = cumulative - (before == null ? 0 : before[slot]);
    return increase < 0 ? cumulative : increase;
  }

  private void value(List<EmfDatum> out, Meter.Id id, String suffix, double value, Unit unit) {
    add(out, datum(id, suffix, value, unit, false));
  }

  private static void add(List<EmfDatum> out, EmfDatum datum) {
    if (Double.isFinite(datum.value())) {
      out.add(datum);
    }
  }

  private EmfDatum datum(Meter.Id id, String suffix, double value, Unit unit, boolean max) {
    return new EmfDatum(id.getTag("region"), metricName(id, nameTags) + suffix, unit, value, max);
  }
}
