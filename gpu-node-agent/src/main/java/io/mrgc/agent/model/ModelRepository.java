package io.mrgc.agent.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.carwash.integrity.ManifestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The Triton-layout model repository on the FSx mount: {@code <root>/<model>/config.pbtxt},
 * {@code <root>/<model>/<version>/model.onnx} (highest numeric version wins), optional
 * {@code <version>/tokenizer.json}, and {@code <root>/<model>/manifest.sha256} checked in full before loading.
 */
public final class ModelRepository {
  public static final String CONFIG_FILE = "config.pbtxt";
  public static final String MODEL_FILE = "model.onnx";
  public static final String TOKENIZER_FILE = "tokenizer.json";

  /** Checks a model directory against its manifest before it is loaded; throws on any mismatch. */
  @FunctionalInterface
  public interface Verifier {
    void verify(String model, Path modelDir) throws ManifestException;
  }

  private final Path root;
  private final OrtSessions sessions;
  private final Verifier verifier;

  public ModelRepository(Path root, OrtSessions sessions) {
    this(root, sessions, Manifest::verify);
  }

  /** {@code verifier} replaces the plain full manifest check (the agent's also keeps per-chunk hashes). */
  public ModelRepository(Path root, OrtSessions sessions, Verifier verifier) {
    this.root = root;
    this.sessions = sessions;
    this.verifier = verifier;
  }

  /** What a scan loaded (and how long each model took), and why each other model was refused. */
  public record LoadReport(Map<String, LoadedModel> loaded, Map<String, Long> loadNanos,
      Map<String, String> failures) {}

  /** Loads every model directory under the root; a bad model is reported and skipped, never half-loaded. */
  public LoadReport loadAll() throws IOException {
    Map<String, LoadedModel> loaded = new LinkedHashMap<>();
    Map<String, Long> loadNanos = new LinkedHashMap<>();
    Map<String, String> failures = new LinkedHashMap<>();
    for (Path dir : modelDirs()) {
      String name = dir.getFileName().toString();
      long started = System.nanoTime();
      try {
        loaded.put(name, load(name));
        loadNanos.put(name, System.nanoTime() - started);
      } catch (ModelLoadException e) {
        failures.put(name, e.getMessage());
      }
    }
    return new LoadReport(loaded, loadNanos, failures);
  }

  public List<Path> modelDirs() throws IOException {
    if (!Files.isDirectory(root)) {
      throw new IOException("model root " + root + " is not a directory");
    }
    try (Stream<Path> children = Files.list(root)) {
      return children.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted().toList();
    }
  }

  /** Verifies and loads one model; the caller owns (closes) the result. */
  public LoadedModel load(String name) throws ModelLoadException {
    Path dir = root.resolve(name);
    Path configFile = dir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(configFile)) {
      throw new ModelLoadException(name + ": " + CONFIG_FILE + " is missing");
    }
    try {
      verifier.verify(name, dir);
    } catch (ManifestException e) {
      throw new ModelLoadException(e.getMessage(), e);
    }
    ModelConfig config;
    try {
      config = ModelConfig.parse(name, Files.readString(configFile, StandardCharsets.UTF_8));
    } catch (IOException | IllegalArgumentException e) {
      throw new ModelLoadException(name + ": invalid " + CONFIG_FILE + ": " + e.getMessage(), e);
    }
    long version = latestVersion(dir).orElseThrow(() -> new ModelLoadException(
        name + ": no numeric version directory (e.g. 1/) with " + MODEL_FILE));
    Path versionDir = dir.resolve(Long.toString(version));
    Path modelFile = versionDir.resolve(MODEL_FILE);
    if (!Files.isRegularFile(modelFile)) {
      throw new ModelLoadException(name + ": " + version + "/" + MODEL_FILE + " is missing");
    }
    OrtSession session;
    try {
      session = sessions.open(modelFile);
    } catch (OrtException e) {
      throw new ModelLoadException(name + ": ONNX Runtime cannot load " + version + "/" + MODEL_FILE + ": "
          + e.getMessage(), e);
    }
    HuggingFaceTokenizer tokenizer = null;
    try {
      List<TensorMeta> inputs = TensorMeta.fromSession(session.getInputInfo());
      List<TensorMeta> outputs = TensorMeta.fromSession(session.getOutputInfo());
      EmbeddingIo io = null;
      Path tokenizerFile = versionDir.resolve(TOKENIZER_FILE);
      if (Files.isRegularFile(tokenizerFile)) {
        io = EmbeddingIo.detect(name, inputs, outputs);
        tokenizer = Tokenizers.open(tokenizerFile);
      }
      return new LoadedModel(name, version, config, session, tokenizer, io, inputs, outputs);
    } catch (OrtException | IOException | RuntimeException | ModelLoadException e) {
      closeQuietly(session);
      if (tokenizer != null) {
        tokenizer.close();
      }
      if (e instanceof ModelLoadException m) {
        throw m;
      }
      throw new ModelLoadException(name + ": cannot load: " + e.getMessage(), e);
    }
  }

  /** Highest numerically named version directory; names that start with 0 or are not numbers are ignored. */
  static OptionalLong latestVersion(Path modelDir) throws ModelLoadException {
    List<Long> versions = new ArrayList<>();
    try (Stream<Path> children = Files.list(modelDir)) {
      children.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(n -> n.matches("[1-9][0-9]{0,17}"))
          .forEach(n -> versions.add(Long.parseLong(n)));
    } catch (IOException e) {
      throw new ModelLoadException(modelDir.getFileName() + ": cannot list versions: " + e.getMessage(), e);
    }
    return versions.stream().mapToLong(Long::longValue).max();
  }

  private static void closeQuietly(OrtSession session) {
    try {
      session.close();
    } catch (OrtException ignored) {
      // Already failing; the original error matters.
    }
  }
}
