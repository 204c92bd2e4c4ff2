package io.mrgc.agent.batch;

import java.time.Duration;

/**
 * How a model's worker batches: at most {@code maxBatchSize} inputs per session run, a batch waits at most
 * {@code maxBatchWait} for more requests of its tenant, inputs longer than {@code maxTokensPerInput} are refused, and
 * a batch's inference (all its session runs) is stopped past {@code inferenceTimeout}.
 */
public record BatchPolicy(int maxBatchSize, Duration maxBatchWait, int maxTokensPerInput, Duration inferenceTimeout) {
  public BatchPolicy {
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("maxBatchSize must be at least 1, but was " + maxBatchSize);
    }
  }
}
