package io.mrgc.agent.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.EnumSet;

/** Creates ONNX Runtime sessions on the process-wide environment with the configured execution provider. */
public final class OrtSessions {
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

  public OrtSession open(Path modelFile) throws OrtException {
    checkProviderAvailable();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (intraOpThreads > 0) {
        options.setIntraOpNumThreads(intraOpThreads);
      }
      if ("cuda".equals(executionProvider)) {
        options.addCUDA(0);
      }
      return environment().createSession(modelFile.toString(), options);
    }
  }
}
