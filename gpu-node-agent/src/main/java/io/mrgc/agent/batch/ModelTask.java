package io.mrgc.agent.batch;

import io.mrgc.agent.model.LoadedModel;

/** Work that needs the model's session exclusively, run on its worker thread (never an event loop). */
@FunctionalInterface
public interface ModelTask<T> {
  T run(LoadedModel model) throws Exception;
}
