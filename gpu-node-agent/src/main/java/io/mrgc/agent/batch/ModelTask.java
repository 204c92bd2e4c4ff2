package io.mrgc.agent.batch;

import ai.onnxruntime.OrtSession;
import io.mrgc.agent.model.LoadedModel;

/**
 * Work that needs the model's session exclusively, run on its worker thread (never an event loop). Every session
 * run passes {@code runOptions} (arena shrinkage at the end of the run).
 */
@FunctionalInterface
public interface ModelTask<T> {
  T run(LoadedModel model, OrtSession.RunOptions runOptions) throws Exception;
}
