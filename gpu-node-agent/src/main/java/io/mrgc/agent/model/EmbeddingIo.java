package io.mrgc.agent.model;

import java.util.List;

/**
 * Which session tensors a text-embedding model uses, read from the session rather than assumed: token ids and
 * attention mask are required, token type ids only when the graph declares them; the output is the per-token
 * hidden state (rank 3, float) that the agent mean-pools. Its last dimension ({@code hiddenSize}) must be static: the
 * agent writes the output into its own scrubbable buffer (a pinned output), which it sizes before the run.
 */
public record EmbeddingIo(String inputIds, String attentionMask, String tokenTypeIds, String hiddenState,
                          int hiddenSize) {

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
    TensorMeta hidden = outputs.stream().filter(o -> o.name().equals("last_hidden_state")).findFirst()
        .or(() -> outputs.stream().filter(o -> o.shape().length == 3 && o.datatype().equals("FP32")).findFirst())
        .orElseThrow(() -> new ModelLoadException(model + ": no rank-3 FP32 hidden-state output to pool"));
    long hiddenSize = hidden.shape().length == 3 ? hidden.shape()[2] : -1;
    if (hiddenSize <= 0 || hiddenSize > Integer.MAX_VALUE) {
      throw new ModelLoadException(model + ": hidden-state output " + hidden.name()
          + " must have a static last dimension (the agent pins it into its own buffers)");
    }
    return new EmbeddingIo(ids, mask, find(inputs, "token_type_ids"), hidden.name(), (int) hiddenSize);
  }

  private static String find(List<TensorMeta> tensors, String name) {
    return tensors.stream().map(TensorMeta::name).filter(name::equals).findFirst().orElse(null);
  }
}
