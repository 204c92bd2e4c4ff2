package io.mrgc.agent.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;

/** Opens HuggingFace tokenizers offline, with truncation off so the agent can count and bound tokens itself. */
final class Tokenizers {
  private Tokenizers() {}

  /** The tokenizer of a {@code tokenizer.json} already read (and verified) into memory. */
  static HuggingFaceTokenizer open(byte[] tokenizerJson) throws IOException {
    // DJL would otherwise try the network (hub downloads) and, on EC2, call home for usage tracking.
    setIfAbsent("ai.djl.offline", "true");
    setIfAbsent("OPT_OUT_TRACKING", "true");
    // As the builder's optTruncation(false), optPadding(false), optAddSpecialTokens(true).
    return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson),
        Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "true"));
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
