package io.mrgc.agent.heartbeat;

import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.WriteRejectedException;
import io.mrgc.state.items.GpuInstanceItem;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this instance's gpu_instances row: the state the agent shows (with its reason) and its load. Every write is
 * conditional on the version last seen. When another actor changed the row (the autoscaler draining it, an operator
 * releasing it from quarantine) the write is refused; the row is re-read, the {@link ChangeListener} is told (the
 * agent turns the change into a lifecycle step) and the write is retried once on the row's version. A beat asked for
 * while a write is in flight is written right after it, so a state change is never skipped. DynamoDB trouble never
 * stops serving: it is logged once per outage. Confined to the agent's event-loop context.
 */
public final class Heartbeater {
  private static final Logger LOG = LoggerFactory.getLogger(Heartbeater.class);
  /** Rows of instances that stop heart-beating expire on their own (DynamoDB TTL). */
  public static final Duration TTL = Duration.ofSeconds(60);

  /** Told, on the event loop, when another actor changed the row. */
  @FunctionalInterface
  public interface ChangeListener {
    /** {@code row} as read now; {@code ownState} the state this agent last wrote (null before its first write). */
    void changedByOthers(GpuInstanceItem row, String ownState);
  }

  private final Context context;
  private final GpuInstanceRepository repository;
  private final String region;
  private final String instanceId;
  private final String endpoint;
  private final Supplier<LoadSnapshot> load;
  private final Supplier<PublishedState> state;
  private final ChangeListener listener;
  private final long startedAtMillis = System.currentTimeMillis();
  private GpuInstanceItem last;
  private String ownState;
  private boolean writing;
  private boolean again;
  private Promise<Void> followUp;
  private volatile boolean stopped;
  private boolean terminating;
  private boolean outage;

  public Heartbeater(Context context, GpuInstanceRepository repository, String region, String instanceId,
      String endpoint, Supplier<LoadSnapshot> load, Supplier<PublishedState> state, ChangeListener listener) {
    this.context = context;
    this.repository = repository;
    this.region = region;
    this.instanceId = instanceId;
    this.endpoint = endpoint;
    this.load = load;
    this.state = state;
    this.listener = listener;
  }

  /** Writes the row now (or right after the write in flight); completes when written or failed, never fails. */
  public Future<Void> beat() {
    if (stopped) {
      return Future.succeededFuture();
    }
    return writing ? afterCurrentWrite() : write(true);
  }

  /** The last write: TERMINATED, whatever the state; no heartbeat follows. */
  public Future<Void> terminate() {
    if (stopped) {
      return Future.succeededFuture();
    }
    stopped = true;
    terminating = true;
    return writing ? afterCurrentWrite() : write(true);
  }

  /** Stops writing anything, as if the process had been killed. */
  public void halt() {
    stopped = true;
    terminating = false;
  }

  /** The state this agent last wrote, for tests and operator views. */
  public String lastWrittenState() {
    return ownState;
  }

  private Future<Void> afterCurrentWrite() {
    again = true;
    if (followUp == null) {
      followUp = Promise.promise();
    }
    return followUp.future();
  }

  private Future<Void> write(boolean retryOnRejection) {
    writing = true;
    GpuInstanceItem item = build();
    return Future.fromCompletionStage(repository.put(item), context)
        .transform(result -> {
          if (result.succeeded()) {
            last = result.result();
            ownState = last.getState();
            recovered();
            return settled();
          }
          Throwable failure = unwrap(result.cause());
          if (failure instanceof WriteRejectedException) {
            return reread().compose(v -> retryOnRejection && (!stopped || terminating)
                ? write(false) : settled());
          }
          failed(failure);
          return settled();
        });
  }

  /** The write is over: if a beat was asked for meanwhile, write again (its callers wait for that write). */
  private Future<Void> settled() {
    writing = false;
    Promise<Void> waiting = followUp;
    followUp = null;
    if (again && (!stopped || terminating)) {
      again = false;
      Future<Void> next = write(true);
      if (waiting != null) {
        next.onComplete(waiting);
      }
    } else if (waiting != null) {
      again = false;
      waiting.complete();
    }
    return Future.succeededFuture();
  }

  private GpuInstanceItem build() {
    LoadSnapshot snapshot = load.get();
    PublishedState shown = stopped ? new PublishedState(InstanceState.TERMINATED, null) : state.get();
    long now = System.currentTimeMillis();
    GpuInstanceItem item = new GpuInstanceItem();
    item.setRegion(region);
    item.setInstanceId(instanceId);
    item.setVersion(last == null ? null : last.getVersion());
    item.setStartedAtMillis(last == null || last.getStartedAtMillis() == 0 ? startedAtMillis : last.getStartedAtMillis());
    item.setEndpoint(endpoint);
    item.setState(shown.state().name());
    item.setStateReason(shown.reason());
    item.setQueueDepth(snapshot.queueDepth());
    item.setInFlight(snapshot.inFlight());
    item.setLatencyEwmaMs(snapshot.latencyEwmaMs());
    item.setHealth(snapshot.health());
    item.setModels(new ArrayList<>(snapshot.models()));
    item.setRefusedModels(new ArrayList<>(snapshot.refusedModels()));
    item.setBatchSlots(snapshot.batchSlots());
    item.setSharedBatches(snapshot.sharedBatches());
    item.setHeartbeatAtMillis(now);
    item.setExpiresAtEpochSeconds(now / 1000 + TTL.toSeconds());
    return item;
  }

  /** After a refused write: adopt the row's version and tell the listener what the other actor set. */
  private Future<Void> reread() {
    return Future.fromCompletionStage(repository.get(region, instanceId), context)
        .transform(result -> {
          if (result.failed()) {
            failed(unwrap(result.cause()));
            return Future.succeededFuture();
          }
          GpuInstanceItem row = result.result();
          last = row;
          recovered();
          if (row != null && !stopped) {
            try {
              listener.changedByOthers(row, ownState);
            } catch (RuntimeException e) {
              LOG.warn("instance {}: handling a row changed by another actor failed", instanceId, e);
            }
          }
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
