package io.mrgc.agent.batch;

import io.mrgc.common.ApiException;
import io.mrgc.wire.ErrorCode;
import java.time.Duration;

/**
 * An inference ran past its deadline and ONNX Runtime was told to stop it: 504 inference_timeout. The instance that
 * ran it is quarantined after the answer (a run that does not finish in time says something is wrong with the
 * instance: a hung GPU, a starved host), so the request may be retried elsewhere.
 */
public final class InferenceTimeout extends ApiException {
  public InferenceTimeout(String model, Duration deadline) {
    super(ErrorCode.INFERENCE_TIMEOUT, "the inference on model " + model + " did not finish within "
        + deadline.toMillis() + " ms and was stopped; send fewer or shorter inputs, or retry (another instance will "
        + "take it)");
  }
}
