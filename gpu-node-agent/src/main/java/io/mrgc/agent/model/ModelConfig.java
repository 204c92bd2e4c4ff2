package io.mrgc.agent.model;

import java.util.ArrayList;
import java.util.List;

/** The subset of Triton's config.pbtxt the agent reads: identity, platform/backend, batching, declared tensors. */
public record ModelConfig(String name, String platform, String backend, int maxBatchSize,
    List<TensorConfig> inputs, List<TensorConfig> outputs) {

  /** One declared tensor; {@code dataType} is Triton's {@code TYPE_*} name, dims exclude the batch dim. */
  public record TensorConfig(String name, String dataType, List<Long> dims) {}

  /**
   * Parses {@code text} as the config of the model {@code modelName} (a published version's directory is
   * {@code <name>@<version>}, one installed outside the registry is named after the model). The name, when given,
   * must equal the model's (Triton's rule), and at least one of platform and backend must be set.
   */
  public static ModelConfig parse(String modelName, String text) {
    Pbtxt.Message root = Pbtxt.parse(text);
    String name = root.string("name");
    if (name != null && !name.equals(modelName)) {
      throw new IllegalArgumentException("name \"" + name + "\" must equal the model's name \"" + modelName + "\"");
    }
    String platform = root.string("platform");
    String backend = root.string("backend");
    if (platform == null && backend == null) {
      throw new IllegalArgumentException("platform or backend must be set");
    }
    Object batch = root.first("max_batch_size");
    int maxBatchSize = batch instanceof Long l ? Math.toIntExact(l) : 0;
    if (batch != null && !(batch instanceof Long)) {
      throw new IllegalArgumentException("max_batch_size must be an integer, but was " + batch);
    }
    return new ModelConfig(modelName, platform, backend, maxBatchSize, tensors(root, "input"), tensors(root, "output"));
  }

  /** Triton's platform string for the model, falling back to one derived from the backend. */
  public String platformOrDefault() {
    if (platform != null) {
      return platform;
    }
    return "onnxruntime".equals(backend) ? "onnxruntime_onnx" : backend;
  }

  private static List<TensorConfig> tensors(Pbtxt.Message root, String field) {
    List<TensorConfig> tensors = new ArrayList<>();
    for (Pbtxt.Message m : root.messages(field)) {
      String name = m.string("name");
      if (name == null) {
        throw new IllegalArgumentException(field + " without a name");
      }
      List<Long> dims = new ArrayList<>();
      for (Object dim : m.all("dims")) {
        if (!(dim instanceof Long d)) {
          throw new IllegalArgumentException(field + " " + name + ": dims must be integers, but had " + dim);
        }
        dims.add(d);
      }
      tensors.add(new TensorConfig(name, m.string("data_type"), List.copyOf(dims)));
    }
    return List.copyOf(tensors);
  }
}
