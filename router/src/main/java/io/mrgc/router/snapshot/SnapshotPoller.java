package io.mrgc.router.snapshot;

import io.mrgc.router.pick.Backend;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.items.RoutingStateItem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Reads the region's gpu_instances rows (and its routing_state row) about every interval ({@link RepeatingRead}: the
 * next poll starts an interval after the previous one finished, and a failed poll keeps the last good snapshot:
 * readers tolerate staleness and say how old their view is, DESIGN.md, global state).
 */
public final class SnapshotPoller {
  private final String region;
  private final GpuInstanceRepository instances;
  private final RoutingStateRepository routingState;
  private final LongSupplier clockMillis;
  private final long createdAtMillis;
  private final RepeatingRead<RegionSnapshot> reads;
  private volatile RegionSnapshot current = RegionSnapshot.NONE;
  private volatile Consumer<RegionSnapshot> onUpdate = snapshot -> {};

  public SnapshotPoller(Vertx vertx, String region, GpuInstanceRepository instances,
      RoutingStateRepository routingState, Duration interval, LongSupplier clockMillis) {
    this.region = region;
    this.instances = instances;
    this.routingState = routingState;
    this.clockMillis = clockMillis;
    this.createdAtMillis = clockMillis.getAsLong();
    this.reads = new RepeatingRead<>(vertx, interval, "gpu_instances snapshot of " + region, this::read, snapshot -> {
      current = snapshot;
      onUpdate.accept(snapshot);
    });
  }

  /** Called on the poller's context after each successful poll. */
  public void onUpdate(Consumer<RegionSnapshot> listener) {
    this.onUpdate = listener;
  }

  /** Runs the first poll; the future completes when it has finished (successfully or not), then polling goes on. */
  public Future<Void> start() {
    return reads.start();
  }

  public void stop() {
    reads.stop();
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

  private CompletableFuture<RegionSnapshot> read() {
    long startedAt = clockMillis.getAsLong();
    CompletableFuture<List<Backend>> backends = instances.listRegion(region)
        .thenApply(rows -> rows.stream().map(Backend::from).toList());
    // routing_state is optional: a missing or unreadable row keeps the last known failover state.
    CompletableFuture<String> failover = routingState.get(region)
        .handle((row, error) -> error != null ? null
            : row == null ? RegionSnapshot.UNKNOWN_FAILOVER_STATE : stateOf(row));
    return backends.thenCombine(failover, (list, state) -> {
      String failoverState = state != null ? state : current.failoverState();
      return new RegionSnapshot(list, startedAt, failoverState);
    });
  }

  private static String stateOf(RoutingStateItem row) {
    return row.getFailoverState() == null ? RegionSnapshot.UNKNOWN_FAILOVER_STATE : row.getFailoverState();
  }
}
