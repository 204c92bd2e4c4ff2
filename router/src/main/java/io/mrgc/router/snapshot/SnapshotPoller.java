package io.mrgc.router.snapshot;

import io.mrgc.router.pick.Backend;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.items.RoutingStateItem;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the region's gpu_instances rows (and its routing_state row) about every interval. The next poll is
 * scheduled only when the previous one has finished, so a slow DynamoDB never piles up polls. A failed poll keeps
 * the last good snapshot: readers tolerate staleness and say how old their view is (DESIGN.md, global state).
 */
public final class SnapshotPoller {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotPoller.class);

  private final Vertx vertx;
  private final String region;
  private final GpuInstanceRepository instances;
  private final RoutingStateRepository routingState;
  private final long intervalMillis;
  private final LongSupplier clockMillis;
  private final long createdAtMillis;
  private volatile RegionSnapshot current = RegionSnapshot.NONE;
  private volatile Consumer<RegionSnapshot> onUpdate = snapshot -> {};
  private volatile boolean stopped;
  private long timerId = -1;
  private boolean lastPollFailed;

  public SnapshotPoller(Vertx vertx, String region, GpuInstanceRepository instances,
      RoutingStateRepository routingState, Duration interval, LongSupplier clockMillis) {
    this.vertx = vertx;
    this.region = region;
    this.instances = instances;
    this.routingState = routingState;
    this.intervalMillis = interval.toMillis();
    this.clockMillis = clockMillis;
    this.createdAtMillis = clockMillis.getAsLong();
  }

  /** Called on the poller's context after each successful poll. */
  public void onUpdate(Consumer<RegionSnapshot> listener) {
    this.onUpdate = listener;
  }

  /** Runs the first poll; the future completes when it has finished (successfully or not), then polling goes on. */
  public Future<Void> start() {
    return pollOnce().onComplete(done -> scheduleNext()).mapEmpty();
  }

  public void stop() {
    stopped = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  public RegionSnapshot current() {
    return current;
  }

  /** Seconds since the last successful read; before the first one, seconds since this poller was created. */
  public double ageSeconds() {
    RegionSnapshot snapshot = current;
    long since = snapshot.loaded() ? snapshot.fetchedAtMillis() : createdAtMillis;
    return Math.max(0, clockMillis.getAsLong() - since) / 1000.0;
  }

  private void scheduleNext() {
    if (!stopped) {
      timerId = vertx.setTimer(intervalMillis, id -> pollOnce().onComplete(done -> scheduleNext()));
    }
  }

  /** Completes (never fails) once this poll has either replaced the snapshot or kept the old one. */
  Future<Void> pollOnce() {
    Promise<Void> done = Promise.promise();
    long startedAt = clockMillis.getAsLong();
    CompletableFuture<List<Backend>> backends = instances.listRegion(region)
        .thenApply(rows -> rows.stream().map(Backend::from).toList());
    // routing_state is optional: a missing or unreadable row keeps the last known failover state.
    CompletableFuture<String> failover = routingState.get(region)
        .handle((row, error) -> error != null ? null
            : row == null ? RegionSnapshot.UNKNOWN_FAILOVER_STATE : stateOf(row));
    Future.fromCompletionStage(backends.thenCombine(failover, (list, state) -> {
      String failoverState = state != null ? state : current.failoverState();
      return new RegionSnapshot(list, startedAt, failoverState);
    }), vertx.getOrCreateContext()).onComplete(result -> {
      if (result.succeeded()) {
        current = result.result();
        if (lastPollFailed) {
          LOG.info("gpu_instances snapshot of {} readable again ({} instances)", region, current.backends().size());
        }
        lastPollFailed = false;
        onUpdate.accept(current);
      } else if (!lastPollFailed) {
        lastPollFailed = true; // log once per outage, not once per second
        LOG.warn("gpu_instances snapshot of {} failed; routing on the last good one: {}", region,
            rootMessage(result.cause()));
      }
      done.complete();
    });
    return done.future();
  }

  private static String stateOf(RoutingStateItem row) {
    return row.getFailoverState() == null ? RegionSnapshot.UNKNOWN_FAILOVER_STATE : row.getFailoverState();
  }

  private static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }
}
