package io.mrgc.router.snapshot;

import io.mrgc.state.ModelCatalog;
import io.mrgc.state.ModelRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * The router's view of the model registry: the whole models table ({@link ModelRegistry#catalog()}) read about every
 * interval, like the gpu_instances snapshot ({@link RepeatingRead}: no piled-up reads, a failed read keeps the last
 * good catalog). The router needs it only for a model that no instance of its region advertises, to tell a model
 * being loaded (503 model_loading) from one that is not served at all (404 model_not_found).
 */
public final class ModelRegistryPoller {
  private final RepeatingRead<ModelCatalog> reads;
  /** Null until the first successful read: the router then cannot tell loading from unknown. */
  private volatile ModelCatalog catalog;

  public ModelRegistryPoller(Vertx vertx, ModelRegistry registry, Duration interval) {
    this.reads = new RepeatingRead<>(vertx, interval, "model registry (models table)", registry::catalog,
        read -> catalog = read);
  }

  /** Runs the first read; the future completes when it has finished (successfully or not), then reading goes on. */
  public Future<Void> start() {
    return reads.start();
  }

  public void stop() {
    reads.stop();
  }

  /** The last good catalog, or null while the registry was never read successfully. */
  public ModelCatalog catalog() {
    return catalog;
  }
}
