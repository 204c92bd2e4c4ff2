package io.mrgc.agent.batch;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.mrgc.agent.model.EmbeddingIo;
import io.mrgc.agent.model.LoadedModel;
import io.mrgc.common.ApiException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Text embeddings for a sentence-transformer graph: tokenize, pad to the batch's longest sequence, run, mean-pool
 * the hidden state over the attention mask and L2-normalize. Runs on the model's worker thread only.
 */
final class EmbeddingRunner {
  private final LoadedModel model;
  private final EmbeddingIo io;
  private final int maxTokensPerInput;

  EmbeddingRunner(LoadedModel model, int maxTokensPerInput) {
    this.model = model;
    this.io = model.embeddingIo().orElseThrow();
    this.maxTokensPerInput = maxTokensPerInput;
  }

  /** Tokenizes one request; too long an input fails the whole request with 400 {@code too_many_tokens}. */
  List<Encoding> tokenize(List<String> inputs) {
    List<Encoding> encodings = new ArrayList<>(inputs.size());
    for (int i = 0; i < inputs.size(); i++) {
      Encoding encoding = model.tokenizer().orElseThrow().encode(inputs.get(i));
      if (encoding.getIds().length > maxTokensPerInput) {
        throw new ApiException(400, "too_many_tokens", "input[" + i + "] has " + encoding.getIds().length
            + " tokens, more than the limit of " + maxTokensPerInput);
      }
      encodings.add(encoding);
    }
    return encodings;
  }

  /** One session run over {@code encodings} (at most maxBatchSize of them); unit vectors in the same order. */
  List<float[]> embed(List<Encoding> encodings) throws OrtException {
    int batch = encodings.size();
    int length = encodings.stream().mapToInt(e -> e.getIds().length).max().orElse(0);
    long[] ids = new long[batch * length];
    long[] mask = new long[batch * length];
    long[] types = new long[batch * length];
    for (int b = 0; b < batch; b++) {
      Encoding e = encodings.get(b);
      System.arraycopy(e.getIds(), 0, ids, b * length, e.getIds().length);
      System.arraycopy(e.getAttentionMask(), 0, mask, b * length, e.getAttentionMask().length);
      System.arraycopy(e.getTypeIds(), 0, types, b * length, e.getTypeIds().length);
    }
    long[] shape = {batch, length};
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      feeds.put(io.inputIds(), OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
      feeds.put(io.attentionMask(), OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
      if (io.tokenTypeIds() != null) {
        feeds.put(io.tokenTypeIds(), OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
      }
      try (OrtSession.Result result = model.session().run(feeds, Set.of(io.hiddenState()))) {
        OnnxValue value = result.get(io.hiddenState()).orElseThrow();
        OnnxTensor hidden = (OnnxTensor) value;
        long[] hiddenShape = hidden.getInfo().getShape();
        return meanPoolNormalized(hidden.getFloatBuffer(), mask, batch, length, (int) hiddenShape[2]);
      }
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  static List<float[]> meanPoolNormalized(FloatBuffer hidden, long[] mask, int batch, int length, int dims) {
    List<float[]> vectors = new ArrayList<>(batch);
    for (int b = 0; b < batch; b++) {
      double[] sum = new double[dims];
      int counted = 0;
      for (int t = 0; t < length; t++) {
        if (mask[b * length + t] == 0) {
          continue;
        }
        counted++;
        int base = (b * length + t) * dims;
        for (int d = 0; d < dims; d++) {
          sum[d] += hidden.get(base + d);
        }
      }
      double norm = 0;
      for (int d = 0; d < dims; d++) {
        sum[d] /= Math.max(1, counted);
        norm += sum[d] * sum[d];
      }
      norm = Math.sqrt(norm);
      float[] vector = new float[dims];
      for (int d = 0; d < dims; d++) {
        vector[d] = (float) (norm == 0 ? 0 : sum[d] / norm);
      }
      vectors.add(vector);
    }
    return vectors;
  }
}
