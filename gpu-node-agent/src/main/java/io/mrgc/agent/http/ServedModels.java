package io.mrgc.agent.http;

import io.mrgc.agent.batch.ModelWorker;
import io.mrgc.common.ApiException;
import io.mrgc.wire.ErrorCode;
import java.util.List;
import java.util.Map;

/** The models this agent serves, published once loading is done; until then the agent is not ready. */
public final class ServedModels {
  private volatile Map<String, ModelWorker> workers = Map.of();
  private volatile boolean ready;

  public void publish(Map<String, ModelWorker> loaded) {
    workers = Map.copyOf(loaded);
    ready = true;
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

  /** The model's worker, or 404 {@code model_not_found}. */
  public ModelWorker require(String name) {
    ModelWorker worker = workers.get(name);
    if (worker == null) {
      throw new ApiException(ErrorCode.MODEL_NOT_FOUND, "model " + name + " is not served by this instance");
    }
    return worker;
  }
}
