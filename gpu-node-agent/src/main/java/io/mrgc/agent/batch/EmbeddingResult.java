package io.mrgc.agent.batch;

import java.util.List;

/** One request's embeddings (unit vectors, in input order) and the tokens it used. */
public record EmbeddingResult(List<float[]> vectors, int promptTokens) {}
