package io.mrgc.agent.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.agent.ModelInstaller;
import io.mrgc.agent.buffers.AgentBuffers;
import io.mrgc.agent.model.LoadedModel;
import io.mrgc.agent.model.ModelRepository;
import io.mrgc.agent.model.OrtSessions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model worker's batcher: requests of one tenant share a session run, another tenant's never do. */
class BatchingTest {
  @TempDir
  static Path root;
  private static OrtSessions sessions;

  @BeforeAll
  static void install() {
    ModelInstaller.installMiniLm(root);
    sessions = new OrtSessions("cpu", 1);
  }

  /** A worker on a model of its own (closing a worker closes its model). */
  private static ModelWorker worker(BatchPolicy policy, AgentBuffers pool, BatchObserver observer) throws Exception {
    LoadedModel model = new ModelRepository(root, sessions).load(ModelInstaller.MINILM_MODEL);
    return new ModelWorker(model, sessions.newRunOptions(), policy, pool::lease, new LongAdder(), observer);
  }

  /** Holds the worker's thread until released, so that requests queue up behind it. */
  private static CountDownLatch block(ModelWorker worker) {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    worker.submit("blocker", "blocker", (m, options) -> {
      running.countDown();
      release.await();
      return null;
    });
    try {
      running.await();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    return release;
  }

  @Test
  void aRetiredWorkerAnswersTheRequestsThatHoldItAndOnlyThenCloses() throws Exception {
    AgentBuffers pool = new AgentBuffers(8);
    ModelWorker worker = worker(new BatchPolicy(8, Duration.ofMillis(1), 256, Duration.ofSeconds(30)), pool,
        new BatchesSeen());
    CountDownLatch release = block(worker);
    CompletableFuture<EmbeddingResult> held = worker.embed("a", "held", List.of("asked before the retire"));
    assertThat(worker.inFlight()).isEqualTo(2);

    CompletableFuture<Void> closed = worker.closeWhenIdle(command -> new Thread(command).start());
    Thread.sleep(200);
    assertThat(closed).as("closed while requests still hold the worker").isNotDone();
    release.countDown();
    assertThat(held.get(30, TimeUnit.SECONDS).vectors()).hasSize(1);
    closed.get(30, TimeUnit.SECONDS);
    assertThat(worker.inFlight()).isZero();
    assertThat(worker.embed("a", "late", List.of("after the close"))).failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(ExecutionException.class).withMessageContaining("is unloading");
  }

  @Test
  void queuedRequestsOfOneTenantShareASessionRunAndAnotherTenantsNever() throws Exception {
    BatchesSeen seen = new BatchesSeen();
    AgentBuffers pool = new AgentBuffers(8);
    try (ModelWorker worker = worker(new BatchPolicy(8, Duration.ofMillis(1), 256, Duration.ofSeconds(30)), pool,
        seen)) {
      CountDownLatch release = block(worker);
      List<CompletableFuture<EmbeddingResult>> results = new ArrayList<>();
      // a1 a2 b1 a3 a4 a5 b2: A's first batch takes a1 a2 and stops at b1 (order is kept; b1 never joins A).
      String[][] order = {{"a", "a1"}, {"a", "a2"}, {"b", "b1"}, {"a", "a3"}, {"a", "a4"}, {"a", "a5"}, {"b", "b2"}};
      for (String[] request : order) {
        results.add(worker.embed(request[0], request[1], List.of("sentence of " + request[1])));
      }
      release.countDown();
      results.forEach(result -> assertThat(result.join().vectors()).hasSize(1));
      assertThat(seen.after(1)).containsExactly(
          new BatchesSeen.Seen("a", List.of("a1", "a2"), 2),
          new BatchesSeen.Seen("b", List.of("b1"), 1),
          new BatchesSeen.Seen("a", List.of("a3", "a4", "a5"), 3),
          new BatchesSeen.Seen("b", List.of("b2"), 1));
      assertThat(pool.tensors().inUse()).isZero();
    }
  }

  @Test
  void aBatchStopsAtMaxBatchSizeInputsAndABigRequestRunsAloneInSlices() throws Exception {
    BatchesSeen seen = new BatchesSeen();
    AgentBuffers pool = new AgentBuffers(4);
    try (ModelWorker worker = worker(new BatchPolicy(4, Duration.ofMillis(1), 256, Duration.ofSeconds(30)), pool,
        seen)) {
      CountDownLatch release = block(worker);
      CompletableFuture<EmbeddingResult> two = worker.embed("t", "two", List.of("one", "two"));
      CompletableFuture<EmbeddingResult> alsoTwo = worker.embed("t", "also-two", List.of("three", "four"));
      CompletableFuture<EmbeddingResult> one = worker.embed("t", "one", List.of("five"));
      CompletableFuture<EmbeddingResult> six = worker.embed("t", "six", List.of("a", "b", "c", "d", "e", "f"));
      release.countDown();
      assertThat(two.join().vectors()).hasSize(2);
      assertThat(alsoTwo.join().vectors()).hasSize(2);
      assertThat(one.join().vectors()).hasSize(1);
      assertThat(six.join().vectors()).hasSize(6);
      assertThat(seen.after(1)).extracting(BatchesSeen.Seen::requestIds, BatchesSeen.Seen::inputs).containsExactly(
          org.assertj.core.groups.Tuple.tuple(List.of("two", "also-two"), 4),
          org.assertj.core.groups.Tuple.tuple(List.of("one"), 1),
          org.assertj.core.groups.Tuple.tuple(List.of("six"), 4),
          org.assertj.core.groups.Tuple.tuple(List.of("six"), 2));
    }
  }

  @Test
  void aLoneRequestDoesNotWaitForABatchAndATooLongInputFailsOnlyItsRequest() throws Exception {
    BatchesSeen seen = new BatchesSeen();
    AgentBuffers pool = new AgentBuffers(4);
    try (ModelWorker worker = worker(new BatchPolicy(4, Duration.ofSeconds(30), 8, Duration.ofSeconds(30)), pool,
        new BatchesSeen(() -> 1))) {
      // maxBatchWait is 30 s, but the instance serves one request: it runs at once.
      assertThat(worker.embed("t", "alone", List.of("short")).orTimeout(10, java.util.concurrent.TimeUnit.SECONDS)
          .join().vectors()).hasSize(1);
      CountDownLatch release = block(worker);
      CompletableFuture<EmbeddingResult> tooLong = worker.embed("t", "long", List.of("word ".repeat(40)));
      CompletableFuture<EmbeddingResult> fine = worker.embed("t", "fine", List.of("short"));
      release.countDown();
      assertThat(fine.join().vectors()).hasSize(1);
      assertThat(tooLong).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(Exception.class)
          .havingRootCause().withMessageContaining("more than the limit of 8");
    }
  }
}
