package io.mrgc.agent.registry;

import io.mrgc.agent.batch.ModelWorker;
import io.mrgc.agent.http.AgentMetrics;
import io.mrgc.agent.http.ServedModels;
import io.mrgc.agent.model.ModelBudget;
import io.mrgc.agent.model.ModelLoadException;
import io.mrgc.agent.model.ModelLoadTimings;
import io.mrgc.agent.model.ModelSource;
import io.mrgc.carwash.steps.ModelIntegrityStep;
import io.mrgc.state.ModelCatalog;
import io.mrgc.state.ModelRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the models an agent serves in line with the registry. At start: every model's highest AVAILABLE version, and
 * the directories under the model root the registry does not know. Then, every poll: a new model or another version
 * is loaded off the event loop, one load at a time on the agent's model-loading thread, and served (and heart-beaten
 * at once) only when loaded, verified and warmed up, replacing the older version's worker; a model the registry no
 * longer has AVAILABLE leaves the served set at once (404 {@code model_not_found} and out of the heartbeat), and its
 * worker closes once the requests that already hold it are answered. A refused version is logged once and tried again
 * only when its registry row changes, or, refused for the memory budget, once it would fit.
 *
 * <p>Everything but the loads themselves runs on the agent's event loop.
 */
public final class ModelSync implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelSync.class);
  /** Load timings kept for {@link #loads()}. */
  static final int RECENT_LOADS = 64;

  /** One start-up load: ready, or refused. */
  private record Outcome(ModelSource source, ModelLoader.Ready ready, ModelLoadException refusal) {}

  private final Vertx vertx;
  private final Context context;
  private final ModelRegistry registry;
  private final ServedModels models;
  private final ModelLoader loader;
  private final ModelIntegrityStep integrity;
  private final ModelBudget budget;
  private final AgentMetrics metrics;
  private final Runnable beat;
  private final ExecutorService loadingThread = Executors.newSingleThreadExecutor(runnable -> {
    Thread thread = new Thread(runnable, "mrgc-model-loader");
    thread.setDaemon(true);
    return thread;
  });
  private final Executor closer;
  private final ModelRefusals refusals = new ModelRefusals();
  private final Deque<ModelLoadTimings> recentLoads = new ArrayDeque<>();
  private final Deque<ModelSource> queued = new ArrayDeque<>();
  /** Ids of the versions queued or being loaded. */
  private final Set<String> pending = new HashSet<>();
  private ModelCatalog latest;
  private boolean loading;
  private boolean polling;
  private boolean registryUnreadable;
  private long timer = -1;
  private volatile boolean closed;

  /** Create on the agent's event loop; {@code beat} writes a heartbeat now. */
  public ModelSync(Vertx vertx, ModelRegistry registry, ServedModels models, ModelLoader loader,
      ModelIntegrityStep integrity, ModelBudget budget, AgentMetrics metrics, Runnable beat) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.registry = registry;
    this.models = models;
    this.loader = loader;
    this.integrity = integrity;
    this.budget = budget;
    this.metrics = metrics;
    this.beat = beat;
    this.closer = command -> vertx.executeBlocking(() -> {
      command.run();
      return null;
    }, false);
  }

  /**
   * Loads the start-up set (in name order, within the budget) and publishes it; fails when nothing could be loaded.
   * A registry that cannot be read is logged and the directories under the root are loaded alone.
   */
  public Future<Void> loadAtStart() {
    return Future.fromCompletionStage(registry.catalog(), context)
        .otherwise(failure -> {
          LOG.warn("the model registry cannot be read ({}); loading the directories under {} only, the registry's "
              + "models at the first poll that reads it", failure.toString(), loader.repository().root());
          registryUnreadable = true;
          return null;
        })
        .compose(catalog -> {
          latest = catalog;
          return onLoadingThread(() -> loadAll(catalog));
        })
        .compose(this::publishStartSet);
  }

  private List<Outcome> loadAll(ModelCatalog catalog) throws Exception {
    List<String> directories = loader.repository().directoryNames();
    directories.stream().filter(dir -> !dir.contains("@") && !ModelRegistry.NAME.matcher(dir).matches())
        .forEach(dir -> LOG.warn("directory {} under the model root is not a valid model name; not loaded", dir));
    List<ModelBudget.Footprint> counted = new ArrayList<>();
    List<Outcome> outcomes = new ArrayList<>();
    for (ModelSource source : ModelPlan.atStart(catalog, directories)) {
      try {
        ModelLoader.Ready ready = loader.load(source, (name, version, bytes) -> budget.check(name, version, bytes,
            counted));
        counted.add(new ModelBudget.Footprint(source.name(), ready.timings().version(), ready.timings().bytes()));
        outcomes.add(new Outcome(source, ready, null));
      } catch (ModelLoadException e) {
        outcomes.add(new Outcome(source, null, e));
      }
    }
    return outcomes;
  }

  private Future<Void> publishStartSet(List<Outcome> outcomes) {
    Map<String, ModelWorker> workers = new LinkedHashMap<>();
    for (Outcome outcome : outcomes) {
      if (outcome.ready() == null) {
        refused(outcome.source(), outcome.refusal());
        continue;
      }
      ModelLoader.Ready ready = outcome.ready();
      workers.put(outcome.source().name(), ready.worker());
      integrity.add(outcome.source().name(), ready.dir(), ready.chunks());
      loaded(outcome.source(), ready);
    }
    if (workers.isEmpty()) {
      return Future.failedFuture(new IllegalStateException("no model could be loaded from "
          + loader.repository().root() + (outcomes.isEmpty() ? " (it holds no model directories and the registry "
          + "has no AVAILABLE model)" : ": " + outcomes.stream().map(o -> o.refusal().getMessage()).toList())));
    }
    models.publish(workers);
    return Future.succeededFuture();
  }

  /** Reads the registry every {@code interval} from now on and applies what changed. */
  public void watch(Duration interval) {
    timer = vertx.setPeriodic(interval.toMillis(), id -> poll());
  }

  private void poll() {
    if (polling || closed) {
      return;
    }
    polling = true;
    Future.fromCompletionStage(registry.catalog(), context).onComplete(read -> {
      polling = false;
      if (closed) {
        return;
      }
      if (read.failed()) {
        if (!registryUnreadable) {
          LOG.warn("the model registry cannot be read ({}); serving the models loaded so far and trying again every "
              + "poll (logged once per outage)", read.cause().toString());
        }
        registryUnreadable = true;
        return;
      }
      if (registryUnreadable) {
        LOG.info("the model registry can be read again");
        registryUnreadable = false;
      }
      apply(read.result());
    });
  }

  private void apply(ModelCatalog catalog) {
    latest = catalog;
    Map<String, Long> served = models.workers().values().stream()
        .collect(Collectors.toMap(w -> w.model().name(), w -> w.model().version()));
    ModelPlan.Changes changes = ModelPlan.onPoll(catalog, served);
    changes.unloads().forEach(this::unload);
    for (ModelSource source : changes.loads()) {
      if (!pending.contains(source.id())
          && !refusals.settled(source, needed -> needed <= budget.freeFor(source.name(), models.footprints()))) {
        pending.add(source.id());
        queued.add(source);
      }
    }
    loadNext();
  }

  /** Starts the next queued load the registry still wants, unless one is running (one load at a time). */
  private void loadNext() {
    if (loading || closed) {
      return;
    }
    ModelSource source;
    while ((source = queued.poll()) != null && !wanted(source)) {
      pending.remove(source.id());
    }
    if (source == null) {
      return;
    }
    loading = true;
    ModelSource next = source;
    onLoadingThread(() -> loader.load(next, (name, version, bytes) -> budget.check(name, version, bytes,
        models.footprints()))).onComplete(result -> {
          loading = false;
          pending.remove(next.id());
          if (result.succeeded()) {
            serve(next, result.result());
          } else {
            Throwable cause = result.cause();
            refused(next, cause instanceof ModelLoadException refusal ? refusal
                : new ModelLoadException(next.id() + ": cannot load: " + cause, cause));
          }
          loadNext();
        });
  }

  /** Whether {@code source} is still the registry's version to serve of its model (it may have changed meanwhile). */
  private boolean wanted(ModelSource source) {
    return latest != null && latest.served(source.name()).map(row -> row.getVersion() == source.version())
        .orElse(false);
  }

  private void serve(ModelSource source, ModelLoader.Ready ready) {
    if (closed || !wanted(source)) {
      LOG.info("model {} loaded, but {}; closing it", ready.id(), closed ? "the agent is stopping"
          : "the registry no longer has it as the version to serve");
      ready.worker().closeWhenIdle(closer);
      return;
    }
    ModelWorker previous = models.put(ready.worker());
    integrity.add(source.name(), ready.dir(), ready.chunks());
    loaded(source, ready);
    beat.run();
    if (previous != null) {
      LOG.info("model {}:{} replaced by version {}; its worker closes after its {} request(s) in flight",
          source.name(), previous.model().version(), source.version(), previous.inFlight());
      previous.closeWhenIdle(closer);
    }
  }

  private void unload(String name, String why) {
    ModelWorker worker = models.remove(name);
    if (worker == null) {
      return;
    }
    integrity.remove(name);
    beat.run();
    LOG.info("model {}:{} is {}: no longer served (404 from now on, out of the heartbeat); its worker closes after "
        + "its {} request(s) in flight", name, worker.model().version(), why, worker.inFlight());
    worker.closeWhenIdle(closer).whenComplete((v, e) -> LOG.info("model {}:{} unloaded", name,
        worker.model().version()));
  }

  private void loaded(ModelSource source, ModelLoader.Ready ready) {
    refusals.clear(source.id());
    metrics.modelLoaded(ready.timings());
    synchronized (recentLoads) {
      if (recentLoads.size() == RECENT_LOADS) {
        recentLoads.removeFirst();
      }
      recentLoads.addLast(ready.timings());
    }
    LOG.info("{}", ready.timings().describe());
  }

  private void refused(ModelSource source, ModelLoadException why) {
    if (refusals.refuse(source, why)) {
      metrics.modelRefused();
      LOG.error("model {} refused, not served: {}", source.id(), why.getMessage());
    }
  }

  private <T> Future<T> onLoadingThread(Callable<T> work) {
    Promise<T> promise = Promise.promise();
    try {
      loadingThread.execute(() -> {
        try {
          T value = work.call();
          context.runOnContext(v -> promise.complete(value));
        } catch (Throwable e) {
          context.runOnContext(v -> promise.fail(e));
        }
      });
    } catch (RejectedExecutionException e) {
      return Future.failedFuture(new IllegalStateException("the agent is stopping"));
    }
    return promise.future();
  }

  /** Refused versions (name:version, or a directory's name outside the registry) and why. */
  public Map<String, String> refusals() {
    return refusals.reasons();
  }

  /** The last loads' timings, oldest first. */
  public List<ModelLoadTimings> loads() {
    synchronized (recentLoads) {
      return List.copyOf(recentLoads);
    }
  }

  /** Stops watching; a load still running is closed when it ends rather than served. */
  @Override
  public void close() {
    closed = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    loadingThread.shutdown();
  }
}
