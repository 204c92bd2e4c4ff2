package io.mrgc.agent.batch;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.mrgc.agent.buffers.RequestBuffers;
import io.mrgc.agent.model.EmbeddingIo;
import io.mrgc.agent.model.LoadedModel;
import io.mrgc.common.ApiException;
import io.mrgc.wire.ErrorCode;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Text embeddings for a sentence-transformer graph: tokenize, pad to the batch's longest sequence, run, mean-pool
 * the hidden state over the attention mask and L2-normalize. Runs on the model's worker thread only.
 *
 * <p>Token ids, masks and type ids are written into the request's direct pool buffers, which ONNX Runtime reads in
 * place (no copy), and the hidden state is a pinned output in another pool buffer, so none of them outlives the
 * request's wash. The tokenizer's own id arrays are zeroed once copied; its Strings cannot be.
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
        throw new ApiException(ErrorCode.TOO_MANY_TOKENS, "input[" + i + "] has " + encoding.getIds().length
            + " tokens, more than the limit of " + maxTokensPerInput);
      }
      encodings.add(encoding);
    }
    return encodings;
  }

  /** One session run over {@code encodings} (at most maxBatchSize of them); unit vectors in the same order. */
  List<float[]> embed(List<Encoding> encodings, RequestBuffers buffers, OrtSession.RunOptions runOptions)
      throws OrtException {
    int batch = encodings.size();
    int length = encodings.stream().mapToInt(e -> e.getIds().length).max().orElse(0);
    long elements = (long) batch * length;
    LongBuffer ids = buffers.longs(elements);
    LongBuffer mask = buffers.longs(elements);
    LongBuffer types = io.tokenTypeIds() == null ? null : buffers.longs(elements);
    for (int b = 0; b < batch; b++) {
      Encoding e = encodings.get(b);
      putPadded(ids, b * length, length, e.getIds());
      putPadded(mask, b * length, length, e.getAttentionMask());
      if (types != null) {
        putPadded(types, b * length, length, e.getTypeIds());
      }
      Arrays.fill(e.getIds(), 0); // the tokenizer's own copy of the ids (its length still counts the tokens)
    }
    long[] shape = {batch, length};
    FloatBuffer hidden = buffers.floats(elements * io.hiddenSize());
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, OnnxTensor> feeds = new HashMap<>();
    OnnxTensor output = null;
    try {
      feeds.put(io.inputIds(), OnnxTensor.createTensor(env, ids, shape));
      feeds.put(io.attentionMask(), OnnxTensor.createTensor(env, mask, shape));
      if (types != null) {
        feeds.put(io.tokenTypeIds(), OnnxTensor.createTensor(env, types, shape));
      }
      output = OnnxTensor.createTensor(env, hidden, new long[] {batch, length, io.hiddenSize()});
      model.session().run(feeds, Set.of(), Map.of(io.hiddenState(), output), runOptions).close();
      return meanPoolNormalized(hidden, mask, batch, length, io.hiddenSize());
    } finally {
      feeds.values().forEach(OnnxTensor::close);
      if (output != null) {
        output.close();
      }
    }
  }

  private static void putPadded(LongBuffer target, int offset, int length, long[] values) {
    target.put(offset, values, 0, values.length);
    for (int t = values.length; t < length; t++) {
      target.put(offset + t, 0);
    }
  }

  static List<float[]> meanPoolNormalized(FloatBuffer hidden, LongBuffer mask, int batch, int length, int dims) {
    List<float[]> vectors = new ArrayList<>(batch);
    for (int b = 0; b < batch; b++) {
      double[] sum = new double[dims];
      int counted = 0;
      for (int t = 0; t < length; t++) {
        if (mask.get(b * length + t) == 0) {
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
