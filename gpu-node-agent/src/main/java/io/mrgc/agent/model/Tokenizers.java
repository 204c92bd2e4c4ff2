package io.mrgc.agent.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Path;

/** Opens HuggingFace tokenizers offline, with truncation off so the agent can count and bound tokens itself. */
final class Tokenizers {
  private Tokenizers() {}

  static HuggingFaceTokenizer open(Path tokenizerJson) throws IOException {
    // DJL would otherwise try the network (hub downloads) and, on EC2, call home for usage tracking.
    setIfAbsent("ai.djl.offline", "true");
    setIfAbsent("OPT_OUT_TRACKING", "true");
    return HuggingFaceTokenizer.builder()
        .optTokenizerPath(tokenizerJson)
        .optTruncation(false)
        .optPadding(false)
        .optAddSpecialTokens(true)
        .build();
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
