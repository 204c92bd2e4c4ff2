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
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that runs a model's session, and its batcher. Embedding requests are queued; the thread takes the
 * oldest and joins to it the next queued requests <b>of the same tenant</b> (never another's) up to
 * {@code maxBatchSize} inputs, waiting at most {@code maxBatchWait} for more while the instance serves more requests
 * than the batch holds; a request with more inputs than {@code maxBatchSize} runs alone, split into session runs of
 * at most that many inputs. The instance serves one tenant at a time ({@code InstanceGate}), so a batch never meets
 * another tenant's request; the check here is the second line of that promise.
 *
 * <p>A batch's tensors live in pool buffers leased for the batch and zeroed when its runs end.
 */
public final class ModelWorker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelWorker.class);

  private record Pending(String tenant, String requestId, List<String> inputs,
      CompletableFuture<EmbeddingResult> result) {}

  private final LoadedModel model;
  private final OrtSession.RunOptions runOptions;
  private final BatchPolicy policy;
  private final EmbeddingRunner embeddings;
  private final Supplier<RequestBuffers> buffers;
  private final LongAdder sessionRuns;
  private final BatchObserver observer;
  private final ExecutorService thread;
  private final RunDeadline deadline;
  private final LinkedBlockingDeque<Pending> pending = new LinkedBlockingDeque<>();
  /** Requests submitted and not yet answered: a retired worker closes once they are done. */
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CompletableFuture<Void> closedWhenIdle = new CompletableFuture<>();
  private volatile Executor retiredCloser;
  private boolean closed;

  /** {@code runOptions} is used for every session run and closed with the worker; {@code buffers} leases a batch's. */
  public ModelWorker(LoadedModel model, OrtSession.RunOptions runOptions, BatchPolicy policy,
      Supplier<RequestBuffers> buffers, LongAdder sessionRuns, BatchObserver observer) {
    this.model = model;
    this.deadline = new RunDeadline(runOptions, policy.inferenceTimeout(), model.name());
    this.runOptions = runOptions;
    this.policy = policy;
    this.embeddings = model.servesEmbeddings() ? new EmbeddingRunner(model, policy.maxTokensPerInput()) : null;
    this.buffers = buffers;
    this.sessionRuns = sessionRuns;
    this.observer = observer;
    this.thread = Executors.newSingleThreadExecutor(runnable -> {
      Thread t = new Thread(runnable, "mrgc-model-" + model.name());
      t.setDaemon(true);
      return t;
    });
  }

  public LoadedModel model() {
    return model;
  }

  /** One request's embeddings, batched with concurrent requests of the same {@code tenant}. */
  public CompletableFuture<EmbeddingResult> embed(String tenant, String requestId, List<String> inputs) {
    CompletableFuture<EmbeddingResult> result = new CompletableFuture<>();
    if (embeddings == null) {
      result.completeExceptionally(new ApiException(ErrorCode.INVALID_REQUEST,
          "model " + model.name() + " is not a text-embedding model"));
      return result;
    }
    hold(result);
    Pending request = new Pending(tenant, requestId, List.copyOf(inputs), result);
    pending.addLast(request);
    try {
      thread.execute(this::runOldestBatch); // one task per request; a task finding nothing queued does nothing
    } catch (RejectedExecutionException e) {
      pending.remove(request);
      result.completeExceptionally(unloading());
    }
    return result;
  }

  /** On the worker thread: the oldest queued request and those of its tenant that join it, in one batch. */
  private void runOldestBatch() {
    Pending first = pending.pollFirst();
    if (first == null) {
      return; // an earlier task batched this task's request
    }
    List<Pending> batch = collect(first);
    List<Pending> tokenized = new ArrayList<>(batch.size());
    List<List<Encoding>> encodings = new ArrayList<>(batch.size());
    for (Pending request : batch) {
      try {
        encodings.add(embeddings.tokenize(request.inputs()));
        tokenized.add(request);
      } catch (ApiException refused) { // too long an input fails its own request only
        request.result().completeExceptionally(refused);
      }
    }
    if (tokenized.isEmpty()) {
      return;
    }
    List<float[]> vectors;
    try {
      vectors = deadline.run(() -> embedAll(first.tenant(), tokenized, encodings));
    } catch (Exception | Error e) {
      if (!(e instanceof ApiException)) {
        LOG.error("inference failed on model {}", model.name(), e);
      }
      tokenized.forEach(request -> request.result().completeExceptionally(e));
      return;
    }
    int offset = 0;
    for (int i = 0; i < tokenized.size(); i++) {
      List<Encoding> mine = encodings.get(i);
      int tokens = mine.stream().mapToInt(e -> e.getIds().length).sum();
      tokenized.get(i).result().complete(
          new EmbeddingResult(List.copyOf(vectors.subList(offset, offset + mine.size())), tokens));
      offset += mine.size();
    }
  }

  /**
   * The batch that starts with {@code first}: queued requests of its tenant while they fit, waiting at most
   * maxBatchWait for more while the instance serves more requests than the batch has. Only this thread takes from
   * the queue, so a request peeked is still there to take.
   */
  private List<Pending> collect(Pending first) {
    List<Pending> batch = new ArrayList<>();
    batch.add(first);
    int inputs = first.inputs().size();
    long waitUntil = System.nanoTime() + policy.maxBatchWait().toNanos();
    while (inputs < policy.maxBatchSize()) {
      Pending next = pending.peekFirst();
      if (next == null) {
        long left = waitUntil - System.nanoTime();
        if (batch.size() >= observer.serving() || left <= 0) {
          break;
        }
        try {
          next = pending.pollFirst(left, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        if (next == null) {
          break;
        }
        pending.addFirst(next); // looked at below like any other queued request
      }
      if (!next.tenant().equals(first.tenant()) || inputs + next.inputs().size() > policy.maxBatchSize()) {
        break; // another tenant's request (never joins) or too big to join: it starts the next batch
      }
      pending.pollFirst();
      batch.add(next);
      inputs += next.inputs().size();
    }
    return batch;
  }

  /** Session runs of at most maxBatchSize inputs over every request's encodings, in order. */
  private List<float[]> embedAll(String tenant, List<Pending> requests, List<List<Encoding>> encodings)
      throws Exception {
    List<Encoding> all = new ArrayList<>();
    encodings.forEach(all::addAll);
    List<String> requestIds = requests.stream().map(Pending::requestId).toList();
    List<float[]> vectors = new ArrayList<>(all.size());
    for (int from = 0; from < all.size(); from += policy.maxBatchSize()) {
      List<Encoding> slice = all.subList(from, Math.min(all.size(), from + policy.maxBatchSize()));
      sessionRuns.increment();
      observer.batch(model.name(), tenant, requestIds, slice.size());
      RequestBuffers tensors = buffers.get();
      try {
        vectors.addAll(embeddings.embed(slice, tensors, runOptions));
      } finally {
        tensors.scrubAndRelease();
      }
    }
    return vectors;
  }

  /**
   * One embedding of a fixed text before the model serves (blocking, at load), so that a tenant's first request does
   * not pay for ONNX Runtime's first run. Not a request: no batch is reported; its buffers are zeroed.
   */
  public void warmUp(Duration timeout) throws Exception {
    if (embeddings == null) {
      return;
    }
    onThread(() -> {
      RequestBuffers tensors = buffers.get();
      try {
        return embeddings.embed(embeddings.tokenize(List.of("warm up the model")), tensors, runOptions);
      } finally {
        tensors.scrubAndRelease();
      }
    }).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Any other single session run (the Open Inference Protocol), one request at a time. */
  public <T> CompletableFuture<T> submit(String tenant, String requestId, ModelTask<T> task) {
    CompletableFuture<T> result = onThread(() -> {
      sessionRuns.increment();
      observer.batch(model.name(), tenant, List.of(requestId), 1);
      return task.run(model, runOptions);
    });
    hold(result);
    return result;
  }

  /** Counts {@code result}'s request in flight until it completes. */
  private void hold(CompletableFuture<?> result) {
    inFlight.incrementAndGet();
    result.whenComplete((value, failure) -> {
      if (inFlight.decrementAndGet() == 0 && retiredCloser != null) {
        closeRetired();
      }
    });
  }

  /** Requests submitted to this worker and not yet answered. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Closes the worker once every request that already holds it has been answered (call after the model left the
   * served set, so that no new request finds it). {@code closer} runs the blocking close, never on this worker's own
   * thread, which may answer the last request. Completes once closed.
   */
  public CompletableFuture<Void> closeWhenIdle(Executor closer) {
    retiredCloser = closer;
    if (inFlight.get() == 0) {
      closeRetired();
    }
    return closedWhenIdle;
  }

  private void closeRetired() {
    if (closing.compareAndSet(false, true)) {
      retiredCloser.execute(() -> {
        close();
        closedWhenIdle.complete(null);
      });
    }
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
      result.completeExceptionally(unloading());
    }
    return result;
  }

  private ApiException unloading() {
    return new ApiException(ErrorCode.MODEL_UNAVAILABLE, "model " + model.name() + " is unloading");
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
