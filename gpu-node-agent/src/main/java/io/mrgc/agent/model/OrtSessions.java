package io.mrgc.agent.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.util.EnumSet;

/** Creates ONNX Runtime sessions on the process-wide environment with the configured execution provider. */
public final class OrtSessions {
  public static final String ARENA_SHRINKAGE = "memory.enable_memory_arena_shrinkage";
  private final String executionProvider;
  private final int intraOpThreads;

  public OrtSessions(String executionProvider, int intraOpThreads) {
    this.executionProvider = executionProvider;
    this.intraOpThreads = intraOpThreads;
  }

  /** The singleton environment; ONNX Runtime allows one per process. */
  public static OrtEnvironment environment() {
    return OrtEnvironment.getEnvironment();
  }

  /**
   * Fails when CUDA is asked for but this ONNX Runtime build has no CUDA provider (the CPU artifact), rather than
   * silently running a GPU fleet on CPU.
   */
  public void checkProviderAvailable() {
    if ("cuda".equals(executionProvider)) {
      EnumSet<OrtProvider> available = OrtEnvironment.getAvailableProviders();
      if (!available.contains(OrtProvider.CUDA)) {
        throw new IllegalStateException("executionProvider cuda is not available in this ONNX Runtime build "
            + "(available providers: " + available + "); use the onnxruntime_gpu artifact on GPU hosts or "
            + "executionProvider cpu");
      }
    }
  }

  /**
   * Options for every session run: shrink the memory arenas at the end of the run
   * ({@value #ARENA_SHRINKAGE}), so that the chunks a request used go back to the device allocator instead of
   * staying cached in the arena for the next request (CPU arena, and the GPU's with the CUDA provider).
   */
  public OrtSession.RunOptions newRunOptions() throws OrtException {
    OrtSession.RunOptions options = new OrtSession.RunOptions();
    options.addRunConfigEntry(ARENA_SHRINKAGE, "cuda".equals(executionProvider) ? "cpu:0;gpu:0" : "cpu:0");
    return options;
  }

  /** A session from the model's bytes already in memory (read and verified once; no second read of the file). */
  public OrtSession open(byte[] model) throws OrtException {
    try (OrtSession.SessionOptions options = sessionOptions()) {
      return environment().createSession(model, options);
    }
  }

  private OrtSession.SessionOptions sessionOptions() throws OrtException {
    checkProviderAvailable();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    try {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (intraOpThreads > 0) {
        options.setIntraOpNumThreads(intraOpThreads);
      }
      if ("cuda".equals(executionProvider)) {
        options.addCUDA(0);
      }
      return options;
    } catch (OrtException | RuntimeException e) {
      options.close();
      throw e;
    }
  }
}
