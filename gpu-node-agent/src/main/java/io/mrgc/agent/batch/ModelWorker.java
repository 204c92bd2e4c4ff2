package io.mrgc.agent.batch;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.onnxruntime.OrtSession;
import io.mrgc.agent.buffers.RequestBuffers;
import io.mrgc.agent.model.LoadedModel;
import io.mrgc.common.ApiException;
import io.mrgc.wire.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that runs a model's session. Requests are never merged: the instance serves one request at a time
 * (two tenants never share it), and a request with more inputs than {@code maxBatchSize} is split into session runs
 * of at most that many inputs.
 */
public final class ModelWorker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelWorker.class);

  private final LoadedModel model;
  private final OrtSession.RunOptions runOptions;
  private final int maxBatchSize;
  private final EmbeddingRunner embeddings;
  private final LongAdder sessionRuns;
  private final IntConsumer batchSizes;
  private final ExecutorService thread;
  private final RunDeadline deadline;
  private boolean closed;

  /** {@code runOptions} is used for every session run and closed with the worker. */
  public ModelWorker(LoadedModel model, OrtSession.RunOptions runOptions, int maxBatchSize, int maxTokensPerInput,
      LongAdder sessionRuns, IntConsumer batchSizes) {
    this(model, runOptions, maxBatchSize, maxTokensPerInput, sessionRuns, batchSizes, Duration.ofSeconds(30));
  }

  /**
   * As above; each request's inference (all its session runs) is stopped past {@code inferenceTimeout} and fails
   * with {@link InferenceTimeout}.
   */
  public ModelWorker(LoadedModel model, OrtSession.RunOptions runOptions, int maxBatchSize, int maxTokensPerInput,
      LongAdder sessionRuns, IntConsumer batchSizes, Duration inferenceTimeout) {
    this.model = model;
    this.deadline = new RunDeadline(runOptions, inferenceTimeout, model.name());
    this.runOptions = runOptions;
    this.maxBatchSize = maxBatchSize;
    this.embeddings = model.servesEmbeddings() ? new EmbeddingRunner(model, maxTokensPerInput) : null;
    this.sessionRuns = sessionRuns;
    this.batchSizes = batchSizes;
    this.thread = Executors.newSingleThreadExecutor(runnable -> {
      Thread t = new Thread(runnable, "mrgc-model-" + model.name());
      t.setDaemon(true);
      return t;
    });
  }

  public LoadedModel model() {
    return model;
  }

  /** One request's embeddings, its tensors in {@code buffers}. */
  public CompletableFuture<EmbeddingResult> embed(List<String> inputs, RequestBuffers buffers) {
    if (embeddings == null) {
      return CompletableFuture.failedFuture(new ApiException(ErrorCode.INVALID_REQUEST,
          "model " + model.name() + " is not a text-embedding model"));
    }
    return onThread(() -> {
      List<Encoding> encodings = embeddings.tokenize(inputs);
      List<float[]> vectors = new ArrayList<>(encodings.size());
      for (int from = 0; from < encodings.size(); from += maxBatchSize) {
        List<Encoding> slice = encodings.subList(from, Math.min(encodings.size(), from + maxBatchSize));
        counted(slice.size());
        vectors.addAll(embeddings.embed(slice, buffers, runOptions));
      }
      int tokens = encodings.stream().mapToInt(e -> e.getIds().length).sum();
      return new EmbeddingResult(List.copyOf(vectors), tokens);
    });
  }

  /** Any other single session run (the Open Inference Protocol). */
  public <T> CompletableFuture<T> submit(ModelTask<T> task) {
    return onThread(() -> {
      counted(1);
      return task.run(model, runOptions);
    });
  }

  private void counted(int batchSize) {
    sessionRuns.increment();
    batchSizes.accept(batchSize);
  }

  private <T> CompletableFuture<T> onThread(Callable<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      thread.execute(() -> {
        try {
          result.complete(deadline.run(work));
        } catch (ApiException e) {
          result.completeExceptionally(e);
        } catch (Exception | Error e) {
          LOG.error("inference failed on model {}", model.name(), e);
          result.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(
          new ApiException(ErrorCode.MODEL_UNAVAILABLE, "model " + model.name() + " is unloading"));
    }
    return result;
  }

  /** Finishes the work already queued, refuses new work, then closes the session once its thread is done. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    thread.shutdown();
    boolean done;
    try {
      done = thread.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      done = false;
    }
    if (done) {
      runOptions.close();
      model.close();
    } else {
      LOG.warn("model {} still running after 30 s; leaving its session open", model.name());
    }
  }
}
