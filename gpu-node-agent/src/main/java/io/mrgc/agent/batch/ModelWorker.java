package io.mrgc.agent.batch;

import ai.djl.huggingface.tokenizers.Encoding;
import io.mrgc.agent.model.LoadedModel;
import io.mrgc.common.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that runs a model's session. Embedding requests queued while the first of them waits (at most
 * maxBatchWait) are merged into one session run of up to maxBatchSize inputs, and the vectors split back per
 * request. The queue itself is unbounded, but only admitted requests (see {@link Admission}) reach it.
 */
public final class ModelWorker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelWorker.class);

  private sealed interface Job permits EmbedJob, TaskJob, Stop {}

  private record EmbedJob(List<String> inputs, Admission.Ticket ticket, CompletableFuture<EmbeddingResult> result)
      implements Job {}

  private record TaskJob(ModelTask<Object> task, Admission.Ticket ticket, CompletableFuture<Object> result)
      implements Job {}

  private record Stop() implements Job {}

  private final LoadedModel model;
  private final int maxBatchSize;
  private final long maxBatchWaitNanos;
  private final EmbeddingRunner embeddings;
  private final LongAdder sessionRuns;
  private final IntConsumer batchSizes;
  private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private boolean closed;
  private Job carried;

  public ModelWorker(LoadedModel model, int maxBatchSize, long maxBatchWaitNanos, int maxTokensPerInput,
      LongAdder sessionRuns, IntConsumer batchSizes) {
    this.model = model;
    this.maxBatchSize = maxBatchSize;
    this.maxBatchWaitNanos = maxBatchWaitNanos;
    this.embeddings = model.servesEmbeddings() ? new EmbeddingRunner(model, maxTokensPerInput) : null;
    this.sessionRuns = sessionRuns;
    this.batchSizes = batchSizes;
    this.thread = new Thread(this::loop, "mrgc-model-" + model.name());
    thread.setDaemon(true);
    thread.start();
  }

  public LoadedModel model() {
    return model;
  }

  public CompletableFuture<EmbeddingResult> embed(List<String> inputs, Admission.Ticket ticket) {
    CompletableFuture<EmbeddingResult> result = new CompletableFuture<>();
    if (embeddings == null) {
      result.completeExceptionally(new ApiException(400, "invalid_request",
          "model " + model.name() + " is not a text-embedding model"));
    } else {
      enqueue(new EmbedJob(inputs, ticket, result), result);
    }
    return result.whenComplete((ok, failure) -> ticket.finish(failure));
  }

  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> submit(ModelTask<T> task, Admission.Ticket ticket) {
    CompletableFuture<Object> result = new CompletableFuture<>();
    enqueue(new TaskJob((ModelTask<Object>) task, ticket, result), result);
    return result.whenComplete((ok, failure) -> ticket.finish(failure)).thenApply(value -> (T) value);
  }

  private synchronized void enqueue(Job job, CompletableFuture<?> result) {
    if (closed) {
      result.completeExceptionally(new ApiException(503, "unavailable", "model " + model.name() + " is unloading"));
      return;
    }
    queue.add(job);
  }

  private void loop() {
    try {
      while (true) {
        Job first = carried != null ? carried : queue.take();
        carried = null;
        if (first instanceof Stop) {
          break;
        } else if (first instanceof TaskJob task) {
          runTask(task);
        } else if (first instanceof EmbedJob embed) {
          runEmbeddings(collectBatch(embed));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    failQueued();
  }

  /** The first request waits at most maxBatchWait for others; a job that does not fit waits for the next round. */
  private List<EmbedJob> collectBatch(EmbedJob first) throws InterruptedException {
    List<EmbedJob> batch = new ArrayList<>();
    batch.add(first);
    int inputs = first.inputs().size();
    long deadline = System.nanoTime() + maxBatchWaitNanos;
    while (inputs < maxBatchSize) {
      long remaining = deadline - System.nanoTime();
      Job next = remaining > 0 ? queue.poll(remaining, TimeUnit.NANOSECONDS) : queue.poll();
      if (next == null) {
        break;
      }
      if (next instanceof EmbedJob embed && inputs + embed.inputs().size() <= maxBatchSize) {
        batch.add(embed);
        inputs += embed.inputs().size();
      } else {
        carried = next;
        break;
      }
    }
    return batch;
  }

  private void runEmbeddings(List<EmbedJob> jobs) {
    List<EmbedJob> accepted = new ArrayList<>();
    List<Encoding> encodings = new ArrayList<>();
    for (EmbedJob job : jobs) {
      job.ticket().start();
      try {
        encodings.addAll(embeddings.tokenize(job.inputs()));
        accepted.add(job);
      } catch (RuntimeException e) {
        job.result().completeExceptionally(e);
      }
    }
    if (accepted.isEmpty()) {
      return;
    }
    try {
      // One request may carry more inputs than a batch holds: run it in maxBatchSize slices.
      List<float[]> vectors = new ArrayList<>(encodings.size());
      for (int from = 0; from < encodings.size(); from += maxBatchSize) {
        List<Encoding> slice = encodings.subList(from, Math.min(encodings.size(), from + maxBatchSize));
        sessionRuns.increment();
        batchSizes.accept(slice.size());
        vectors.addAll(embeddings.embed(slice));
      }
      int offset = 0;
      for (EmbedJob job : accepted) {
        int count = job.inputs().size();
        int tokens = 0;
        for (int i = offset; i < offset + count; i++) {
          tokens += encodings.get(i).getIds().length;
        }
        job.result().complete(new EmbeddingResult(List.copyOf(vectors.subList(offset, offset + count)), tokens));
        offset += count;
      }
    } catch (Exception | Error e) {
      LOG.error("embedding batch of {} requests failed on model {}", accepted.size(), model.name(), e);
      accepted.forEach(job -> job.result().completeExceptionally(e));
    }
  }

  private void runTask(TaskJob job) {
    job.ticket().start();
    try {
      sessionRuns.increment();
      batchSizes.accept(1);
      job.result().complete(job.task().run(model));
    } catch (ApiException e) {
      job.result().completeExceptionally(e);
    } catch (Exception | Error e) {
      LOG.error("inference failed on model {}", model.name(), e);
      job.result().completeExceptionally(e);
    }
  }

  private void failQueued() {
    List<Job> left = new ArrayList<>();
    if (carried != null) {
      left.add(carried);
    }
    queue.drainTo(left);
    ApiException unloading = new ApiException(503, "unavailable", "model " + model.name() + " is unloading");
    for (Job job : left) {
      if (job instanceof EmbedJob e) {
        e.result().completeExceptionally(unloading);
      } else if (job instanceof TaskJob t) {
        t.result().completeExceptionally(unloading);
      }
    }
  }

  /** Finishes the jobs already queued, refuses new ones, then closes the session once its thread is done. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(new Stop());
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!thread.isAlive()) {
      model.close();
    } else {
      LOG.warn("model {} still running after 30 s; leaving its session open", model.name());
    }
  }
}
