package io.mrgc.router.metrics;

import io.mrgc.state.MetricsRepository;
import io.mrgc.state.items.MetricItem;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every interval, writes the closed window as one row of series {@code router#<region>#<routerId>} to the metrics
 * table (read by the autoscaler and the failover controller). A failed write drops that window: the readers work on
 * rates and tolerate gaps, and a backlog would only hammer a struggling DynamoDB.
 */
public final class MetricsPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsPublisher.class);

  private final Vertx vertx;
  private final MetricsRepository repository;
  private final MetricsWindow window;
  private final String series;
  private final String region;
  private final long intervalMillis;
  private final long ttlSeconds;
  private final LongSupplier clockMillis;
  private long timerId = -1;
  private boolean lastWriteFailed;

  public MetricsPublisher(Vertx vertx, MetricsRepository repository, MetricsWindow window, String series,
      String region, Duration interval, Duration ttl, LongSupplier clockMillis) {
    this.vertx = vertx;
    this.repository = repository;
    this.window = window;
    this.series = series;
    this.region = region;
    this.intervalMillis = interval.toMillis();
    this.ttlSeconds = ttl.toSeconds();
    this.clockMillis = clockMillis;
  }

  public void start() {
    timerId = vertx.setPeriodic(intervalMillis, id -> publish());
  }

  public void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  void publish() {
    long now = clockMillis.getAsLong();
    MetricsWindow.Totals totals = window.roll(now);
    MetricItem item = new MetricItem();
    item.setSeries(series);
    item.setRegion(region);
    item.setWindowStartMillis(totals.windowStartMillis());
    item.setWindowMillis(totals.windowMillis());
    item.setRequests(totals.requests());
    item.setErrors(totals.errors());
    item.setRps(totals.rps());
    item.setLatencyP50Ms(totals.latencyP50Ms());
    item.setLatencyP99Ms(totals.latencyP99Ms());
    item.setExpiresAtEpochSeconds(now / 1000 + ttlSeconds);
    repository.put(item).whenComplete((ok, error) -> {
      if (error != null && !lastWriteFailed) {
        LOG.warn("metrics row for {} not written; dropping the window: {}", series, error.toString());
      }
      lastWriteFailed = error != null;
    });
  }
}
