package io.mrgc.agent.registry;

import io.mrgc.agent.batch.ModelWorker;
import io.mrgc.agent.model.LoadedModel;
import io.mrgc.agent.model.ModelLoadException;
import io.mrgc.agent.model.ModelLoadTimings;
import io.mrgc.agent.model.ModelRepository;
import io.mrgc.agent.model.ModelSource;
import io.mrgc.carwash.integrity.ChunkedModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;

/** One model version from the store to a warmed-up worker, blocking (the agent's model-loading thread). */
public final class ModelLoader {
  /** The worker that runs a loaded model (its run options, batch policy, buffers). */
  @FunctionalInterface
  public interface WorkerFactory {
    ModelWorker create(LoadedModel model) throws Exception;
  }

  /** A version ready to serve: its worker (warmed up), what the integrity step checks, and the load's timings. */
  record Ready(ModelWorker worker, Path dir, ChunkedModel chunks, ModelLoadTimings timings) {
    String id() {
      return timings.name() + ":" + timings.version();
    }
  }

  private final ModelRepository repository;
  private final WorkerFactory workers;
  private final Duration warmUpTimeout;

  /** {@code warmUpTimeout}: how long the warm-up run may take (the inference timeout). */
  public ModelLoader(ModelRepository repository, WorkerFactory workers, Duration warmUpTimeout) {
    this.repository = repository;
    this.workers = workers;
    this.warmUpTimeout = warmUpTimeout;
  }

  ModelRepository repository() {
    return repository;
  }

  /** Reads, verifies and opens {@code source}, then warms its worker up; refused with what is wrong. */
  Ready load(ModelSource source, ModelRepository.FootprintCheck footprint) throws ModelLoadException {
    ModelRepository.Loaded loaded = repository.load(source, footprint);
    String id = loaded.model().name() + ":" + loaded.model().version();
    ModelWorker worker;
    try {
      worker = workers.create(loaded.model());
    } catch (Exception e) {
      loaded.model().close();
      throw new ModelLoadException(id + ": cannot start its worker: " + e.getMessage(), e);
    }
    long started = System.nanoTime();
    try {
      worker.warmUp(warmUpTimeout);
    } catch (Exception e) {
      worker.close();
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new ModelLoadException(id + ": the warm-up run failed: " + cause, cause);
    }
    return new Ready(worker, loaded.dir(), loaded.chunks(), loaded.timings(System.nanoTime() - started));
  }
}
