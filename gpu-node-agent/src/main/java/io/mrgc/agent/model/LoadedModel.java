package io.mrgc.agent.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.List;
import java.util.Optional;

/**
 * One served model: its verified files, its single ONNX Runtime session, and for text models the tokenizer.
 * The session and tokenizer are used only by the model's worker thread.
 */
public final class LoadedModel implements AutoCloseable {
  private final String name;
  private final long version;
  private final long footprintBytes;
  private final ModelConfig config;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final EmbeddingIo embeddingIo;
  private final List<TensorMeta> inputs;
  private final List<TensorMeta> outputs;

  LoadedModel(String name, long version, long footprintBytes, ModelConfig config, OrtSession session,
      HuggingFaceTokenizer tokenizer, EmbeddingIo embeddingIo, List<TensorMeta> inputs, List<TensorMeta> outputs) {
    this.name = name;
    this.version = version;
    this.footprintBytes = footprintBytes;
    this.config = config;
    this.session = session;
    this.tokenizer = tokenizer;
    this.embeddingIo = embeddingIo;
    this.inputs = inputs;
    this.outputs = outputs;
  }

  public String name() { return name; }
  public long version() { return version; }
  /** The sum of its files' sizes: what the memory budget counts. */
  public long footprintBytes() { return footprintBytes; }
  public ModelConfig config() { return config; }
  public OrtSession session() { return session; }
  public List<TensorMeta> inputs() { return inputs; }
  public List<TensorMeta> outputs() { return outputs; }

  /** Present for text models that ship a tokenizer.json. */
  public Optional<HuggingFaceTokenizer> tokenizer() { return Optional.ofNullable(tokenizer); }

  public Optional<EmbeddingIo> embeddingIo() { return Optional.ofNullable(embeddingIo); }

  public boolean servesEmbeddings() {
    return tokenizer != null && embeddingIo != null;
  }

  public Optional<TensorMeta> input(String inputName) {
    return inputs.stream().filter(t -> t.name().equals(inputName)).findFirst();
  }

  public Optional<TensorMeta> output(String outputName) {
    return outputs.stream().filter(t -> t.name().equals(outputName)).findFirst();
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      // Closing at shutdown; nothing to recover.
    }
    if (tokenizer != null) {
      tokenizer.close();
    }
  }
}
