package io.mrgc.cluster;

import io.mrgc.tenant.MrgcClient;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** Closed-loop encrypted embeddings from the tenant SDK on a few threads until closed; counts what happened. */
public final class SteadyLoad implements AutoCloseable {
  public final AtomicLong ok = new AtomicLong();
  public final AtomicLong errors = new AtomicLong();
  /** nanoTime of the latest error (0: none yet). */
  public final AtomicLong lastErrorNanos = new AtomicLong();
  public volatile String firstError;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final ExecutorService pool;

  public SteadyLoad(MrgcClient sdk, String model, int threads) {
    pool = Executors.newFixedThreadPool(threads);
    for (int t = 0; t < threads; t++) {
      pool.submit(() -> {
        while (running.get()) {
          try {
            sdk.embed(model, List.of("steady load"));
            ok.incrementAndGet();
          } catch (RuntimeException e) {
            errors.incrementAndGet();
            lastErrorNanos.set(System.nanoTime());
            if (firstError == null) {
              firstError = e.toString();
            }
          }
        }
      });
    }
  }

  public long total() {
    return ok.get() + errors.get();
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    pool.shutdown();
    pool.awaitTermination(30, TimeUnit.SECONDS);
  }
}
