package io.mrgc.agent.model;

import java.util.List;

/**
 * Which session tensors a text-embedding model uses, read from the session rather than assumed: token ids and
 * attention mask are required, token type ids only when the graph declares them; the output is the per-token
 * hidden state (rank 3, float) that the agent mean-pools.
 */
public record EmbeddingIo(String inputIds, String attentionMask, String tokenTypeIds, String hiddenState) {

  static EmbeddingIo detect(String model, List<TensorMeta> inputs, List<TensorMeta> outputs)
      throws ModelLoadException {
    String ids = find(inputs, "input_ids");
    String mask = find(inputs, "attention_mask");
    if (ids == null || mask == null) {
      throw new ModelLoadException(model + ": has tokenizer.json but the graph lacks input_ids/attention_mask inputs "
          + "(has " + inputs.stream().map(TensorMeta::name).toList() + ")");
    }
    for (TensorMeta input : inputs) {
      if (!input.name().equals(ids) && !input.name().equals(mask) && !input.name().equals("token_type_ids")) {
        throw new ModelLoadException(model + ": unexpected graph input " + input.name() + " for a text-embedding model");
      }
    }
    String hidden = find(outputs, "last_hidden_state");
    if (hidden == null) {
      hidden = outputs.stream().filter(o -> o.shape().length == 3 && o.datatype().equals("FP32"))
          .map(TensorMeta::name).findFirst().orElse(null);
    }
    if (hidden == null) {
      throw new ModelLoadException(model + ": no rank-3 FP32 hidden-state output to pool");
    }
    return new EmbeddingIo(ids, mask, find(inputs, "token_type_ids"), hidden);
  }

  private static String find(List<TensorMeta> tensors, String name) {
    return tensors.stream().map(TensorMeta::name).filter(name::equals).findFirst().orElse(null);
  }
}
