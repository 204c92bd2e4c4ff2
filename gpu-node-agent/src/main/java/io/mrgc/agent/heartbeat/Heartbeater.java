package io.mrgc.agent.heartbeat;

import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.WriteRejectedException;
import io.mrgc.state.items.GpuInstanceItem;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this instance's gpu_instances row. Every write is conditional on the version last seen; when another
 * actor changed the row (an SRE draining it, the car wash quarantining it) the write is refused, the row is
 * re-read, and its version and externally set state are kept. DynamoDB trouble never stops serving: it is logged
 * once per outage. Confined to the agent's event-loop context, so its fields need no locking.
 */
public final class Heartbeater {
  private static final Logger LOG = LoggerFactory.getLogger(Heartbeater.class);
  /** States other actors set that the agent must not overwrite with READY. */
  private static final Set<String> EXTERNAL_STATES = Set.of(
      InstanceState.DRAINING.name(), InstanceState.QUARANTINED.name(), InstanceState.WASHING.name());
  /** Rows of instances that stop heart-beating expire on their own (DynamoDB TTL). */
  public static final Duration TTL = Duration.ofSeconds(60);

  private final Context context;
  private final GpuInstanceRepository repository;
  private final String region;
  private final String instanceId;
  private final String endpoint;
  private final Supplier<LoadSnapshot> load;
  private final long startedAtMillis = System.currentTimeMillis();
  private GpuInstanceItem last;
  private String heldState;
  private boolean writing;
  private volatile boolean stopped;
  private boolean outage;

  public Heartbeater(Context context, GpuInstanceRepository repository, String region, String instanceId,
      String endpoint, Supplier<LoadSnapshot> load) {
    this.context = context;
    this.repository = repository;
    this.region = region;
    this.instanceId = instanceId;
    this.endpoint = endpoint;
    this.load = load;
  }

  /** One heartbeat in {@code state} (or the externally held state); completes when attempted, never fails. */
  public Future<Void> beat(InstanceState state) {
    if (stopped || writing) {
      return Future.succeededFuture();
    }
    return write(state, true);
  }

  /** The last write: TERMINATED, whatever state was held; no heartbeat follows. */
  public Future<Void> terminate() {
    if (stopped) {
      return Future.succeededFuture();
    }
    stopped = true;
    return write(InstanceState.TERMINATED, true);
  }

  /** Stops writing anything, as if the process had been killed. */
  public void halt() {
    stopped = true;
  }

  /** The state last written, for tests and operator views. */
  public String lastWrittenState() {
    return last == null ? null : last.getState();
  }

  private Future<Void> write(InstanceState state, boolean retryOnRejection) {
    writing = true;
    GpuInstanceItem item = build(state);
    return Future.fromCompletionStage(repository.put(item), context)
        .transform(result -> {
          if (result.succeeded()) {
            last = result.result();
            recovered();
            writing = false;
            return Future.succeededFuture();
          }
          Throwable failure = unwrap(result.cause());
          if (failure instanceof WriteRejectedException) {
            return reread().compose(v -> {
              writing = false;
              return retryOnRejection && (!stopped || state == InstanceState.TERMINATED)
                  ? write(state, false) : Future.<Void>succeededFuture();
            });
          }
          failed(failure);
          writing = false;
          return Future.succeededFuture();
        });
  }

  private GpuInstanceItem build(InstanceState state) {
    LoadSnapshot snapshot = load.get();
    long now = System.currentTimeMillis();
    GpuInstanceItem item = new GpuInstanceItem();
    item.setRegion(region);
    item.setInstanceId(instanceId);
    item.setVersion(last == null ? null : last.getVersion());
    item.setStartedAtMillis(last == null || last.getStartedAtMillis() == 0 ? startedAtMillis : last.getStartedAtMillis());
    item.setEndpoint(endpoint);
    item.setState(heldState != null && state != InstanceState.TERMINATED ? heldState : state.name());
    item.setQueueDepth(snapshot.queueDepth());
    item.setInFlight(snapshot.inFlight());
    item.setLatencyEwmaMs(snapshot.latencyEwmaMs());
    item.setHealth(snapshot.health());
    item.setModels(new ArrayList<>(snapshot.models()));
    item.setHeartbeatAtMillis(now);
    item.setExpiresAtEpochSeconds(now / 1000 + TTL.toSeconds());
    return item;
  }

  /** After a refused write: adopt the row's version, and its state when another actor owns that state. */
  private Future<Void> reread() {
    return Future.fromCompletionStage(repository.get(region, instanceId), context)
        .transform(result -> {
          if (result.failed()) {
            failed(unwrap(result.cause()));
            return Future.succeededFuture();
          }
          GpuInstanceItem row = result.result();
          last = row;
          String previous = heldState;
          heldState = row != null && EXTERNAL_STATES.contains(row.getState()) ? row.getState() : null;
          if (heldState != null && !heldState.equals(previous)) {
            LOG.info("instance {} was set {} by another actor; keeping that state", instanceId, heldState);
          }
          recovered();
          return Future.succeededFuture();
        });
  }

  private void failed(Throwable failure) {
    if (!outage) {
      outage = true;
      LOG.warn("heartbeat for {}/{} failed; serving on and retrying every interval (logged once per outage): {}",
          region, instanceId, failure.toString());
    }
  }

  private void recovered() {
    if (outage) {
      outage = false;
      LOG.info("heartbeat for {}/{} recovered", region, instanceId);
    }
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable current = failure;
    while (current instanceof CompletionException && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
