package io.mrgc.agent.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.agent.ModelInstaller;
import io.mrgc.agent.buffers.AgentBuffers;
import io.mrgc.agent.model.LoadedModel;
import io.mrgc.agent.model.ModelRepository;
import io.mrgc.agent.model.OrtSessions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding 7 (agent half): ONNX Runtime really stops a run past the deadline, and the next request runs. */
class RunDeadlineTest {
  @TempDir
  Path root;

  /**
   * 32 inputs of ~250 tokens on one thread take seconds; a 200 ms deadline sets the terminate flag mid-inference and
   * the request fails with 504 inference_timeout. The same worker (same RunOptions) then serves a short request:
   * without clearing the flag, every later run on this worker would fail at once.
   */
  @Test
  void aRunPastItsDeadlineIsStoppedAndTheNextRunIsNot() throws Exception {
    ModelInstaller.installMiniLm(root);
    OrtSessions sessions = new OrtSessions("cpu", 1);
    LoadedModel model = new ModelRepository(root, sessions).load(ModelInstaller.MINILM_MODEL);
    LongAdder runs = new LongAdder();
    AgentBuffers pool = new AgentBuffers(1);
    try (ModelWorker worker = new ModelWorker(model, sessions.newRunOptions(),
        new BatchPolicy(32, Duration.ofMillis(2), 512, Duration.ofMillis(200)), pool::lease, runs,
        new BatchesSeen())) {
      List<String> inputs = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        inputs.add(("word" + i + " ").repeat(120));
      }
      assertThatThrownBy(() -> worker.embed("tenant", "slow", inputs).join())
          .isInstanceOf(CompletionException.class)
          .cause().isInstanceOf(InferenceTimeout.class)
          .satisfies(e -> {
            InferenceTimeout timeout = (InferenceTimeout) e;
            assertThat(timeout.status()).isEqualTo(504);
            assertThat(timeout.code()).isEqualTo("inference_timeout");
            assertThat(timeout.getMessage()).contains("within 200 ms");
          });
      assertThat(worker.embed("tenant", "short", List.of("a short one")).join().vectors()).hasSize(1);
      assertThat(pool.tensors().inUse()).as("a batch's tensors are given back, also after a timeout").isZero();
    }
  }
}
