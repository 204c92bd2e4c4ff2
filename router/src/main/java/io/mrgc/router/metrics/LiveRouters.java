package io.mrgc.router.metrics;

import io.mrgc.state.MetricsRepository;
import io.mrgc.state.items.MetricItem;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * How many routers the region runs now, counted from the metrics rows they already publish (series
 * {@code router#<region>#<routerId>}, one per {@code metricsInterval}): the distinct router series with a window in
 * the last three intervals, this router included. Read every interval; a failed read keeps the last count (it is
 * needed exactly when DynamoDB is unreachable, by the rate limiter's local fallback).
 */
public final class LiveRouters {
  /** Windows a router may miss (a failed write drops one) and still count as live. */
  static final int WINDOWS = 3;

  private final Vertx vertx;
  private final MetricsRepository repository;
  private final String region;
  private final String ownSeries;
  private final long intervalMillis;
  private final LongSupplier clockMillis;
  private volatile int count = 1;
  private long timerId = -1;

  public LiveRouters(Vertx vertx, MetricsRepository repository, String region, String ownSeries, Duration interval,
      LongSupplier clockMillis) {
    this.vertx = vertx;
    this.repository = repository;
    this.region = region;
    this.ownSeries = ownSeries;
    this.intervalMillis = interval.toMillis();
    this.clockMillis = clockMillis;
  }

  public void start() {
    refresh();
    timerId = vertx.setPeriodic(intervalMillis, id -> refresh());
  }

  public void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  /** Routers of the region now (at least 1: this one). */
  public int count() {
    return count;
  }

  void refresh() {
    String prefix = "router#" + region + "#";
    repository.listRegionSince(region, clockMillis.getAsLong() - WINDOWS * intervalMillis).whenComplete((rows, error) -> {
      if (error != null) {
        return; // keep the last count
      }
      Set<String> series = new HashSet<>();
      series.add(ownSeries);
      for (MetricItem row : rows) {
        if (row.getSeries() != null && row.getSeries().startsWith(prefix)) {
          series.add(row.getSeries());
        }
      }
      count = series.size();
    });
  }
}
