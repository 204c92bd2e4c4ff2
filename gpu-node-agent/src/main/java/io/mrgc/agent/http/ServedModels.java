package io.mrgc.agent.http;

import io.mrgc.agent.batch.ModelWorker;
import io.mrgc.agent.model.ModelBudget;
import io.mrgc.common.ApiException;
import io.mrgc.wire.ErrorCode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The models this agent serves, published once the start-up loading is done (until then the agent is not ready), then
 * changed one model at a time as the registry changes. Copy-on-write: a request reads one consistent map, and a
 * request that fetched a worker keeps it even if the model is replaced or removed meanwhile.
 */
public final class ServedModels {
  private volatile Map<String, ModelWorker> workers = Map.of();
  private volatile boolean ready;

  public synchronized void publish(Map<String, ModelWorker> loaded) {
    workers = Map.copyOf(loaded);
    ready = true;
  }

  /** Serves {@code worker} as its model from now on; returns the worker of the version it replaces, or null. */
  public synchronized ModelWorker put(ModelWorker worker) {
    Map<String, ModelWorker> next = new HashMap<>(workers);
    ModelWorker previous = next.put(worker.model().name(), worker);
    workers = Map.copyOf(next);
    return previous;
  }

  /** Stops serving {@code name} (requests from now on get 404); returns its worker, or null if it was not served. */
  public synchronized ModelWorker remove(String name) {
    if (!workers.containsKey(name)) {
      return null;
    }
    Map<String, ModelWorker> next = new HashMap<>(workers);
    ModelWorker removed = next.remove(name);
    workers = Map.copyOf(next);
    return removed;
  }

  public void unready() {
    ready = false;
  }

  public boolean ready() {
    return ready;
  }

  public List<String> names() {
    return workers.keySet().stream().sorted().toList();
  }

  public Map<String, ModelWorker> workers() {
    return workers;
  }

  /** What the served models count against the memory budget. */
  public List<ModelBudget.Footprint> footprints() {
    return workers.values().stream().map(ModelWorker::model)
        .map(m -> new ModelBudget.Footprint(m.name(), m.version(), m.footprintBytes())).toList();
  }

  /** The model's worker, or 404 {@code model_not_found}. */
  public ModelWorker require(String name) {
    ModelWorker worker = workers.get(name);
    if (worker == null) {
      throw new ApiException(ErrorCode.MODEL_NOT_FOUND, "model " + name + " is not served by this instance");
    }
    return worker;
  }
}
