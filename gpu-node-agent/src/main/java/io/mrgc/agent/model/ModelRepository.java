package io.mrgc.agent.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.mrgc.carwash.integrity.ChunkedModel;
import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.carwash.integrity.ManifestException;
import io.mrgc.carwash.steps.ModelIntegrityStep;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The Triton-layout model store on the FSx mount: one directory per model version, {@code config.pbtxt},
 * {@code manifest.sha256} (every other file's sha256), and a version folder {@code <version>/} with {@code model.onnx}
 * and, for text models, {@code tokenizer.json}. A load reads every listed file once into memory, verifies those bytes
 * in full against the manifest (keeping per-chunk hashes for the background checks), then creates the ONNX Runtime
 * session and tokenizer from the same bytes: what was verified is what runs.
 */
public final class ModelRepository {
  public static final String CONFIG_FILE = "config.pbtxt";
  public static final String MODEL_FILE = "model.onnx";
  public static final String TOKENIZER_FILE = "tokenizer.json";

  /** Told a version's footprint (the sum of its files' sizes) before any file is read; throws to refuse it. */
  @FunctionalInterface
  public interface FootprintCheck {
    FootprintCheck NONE = (name, version, bytes) -> { };

    void admit(String name, long version, long footprintBytes) throws ModelLoadException;
  }

  /** One version read, verified and opened (the caller owns and closes the model), and how long each part took. */
  public record Loaded(LoadedModel model, Path dir, ChunkedModel chunks, long readNanos, long verifyNanos,
      long sessionNanos) {
    public ModelLoadTimings timings(long warmUpNanos) {
      return new ModelLoadTimings(model.name(), model.version(), model.footprintBytes(), readNanos, verifyNanos,
          sessionNanos, warmUpNanos);
    }
  }

  private final Path root;
  private final OrtSessions sessions;
  private final int chunkBytes;

  public ModelRepository(Path root, OrtSessions sessions) {
    this(root, sessions, ModelIntegrityStep.DEFAULT_CHUNK_BYTES);
  }

  /** {@code chunkBytes}: the chunk size of the per-chunk hashes a load keeps for the integrity step. */
  public ModelRepository(Path root, OrtSessions sessions, int chunkBytes) {
    this.root = root;
    this.sessions = sessions;
    this.chunkBytes = chunkBytes;
  }

  public Path root() {
    return root;
  }

  /** Directories directly under the root, by name, but hidden ones (such as {@code .staging}). */
  public List<String> directoryNames() throws IOException {
    if (!Files.isDirectory(root)) {
      throw new IOException("model root " + root + " is not a directory");
    }
    try (Stream<Path> children = Files.list(root)) {
      return children.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(name -> !name.startsWith(".")).sorted().toList();
    }
  }

  /** Loads the model installed outside the registry at {@code <root>/<name>} (tools, tests); the caller closes it. */
  public LoadedModel load(String name) throws ModelLoadException {
    return load(ModelSource.unregistered(name), FootprintCheck.NONE).model();
  }

  /** Verifies and loads one version; a bad one is refused with what is wrong, never half-loaded. */
  public Loaded load(ModelSource source, FootprintCheck footprint) throws ModelLoadException {
    Path dir = directory(source);
    long version = version(source, dir);
    String id = source.name() + ":" + version;
    if (!Files.isRegularFile(dir.resolve(CONFIG_FILE))) {
      throw new ModelLoadException(id + ": " + CONFIG_FILE + " is missing");
    }
    String modelFile = version + "/" + MODEL_FILE;
    String tokenizerFile = version + "/" + TOKENIZER_FILE;
    try {
      Manifest manifest = manifest(source, id, dir);
      if (!manifest.hashes().containsKey(modelFile)) {
        throw new ModelLoadException(id + ": " + modelFile + " is missing");
      }
      footprint.admit(source.name(), version, ModelFiles.footprint(id, manifest));
      long started = System.nanoTime();
      Map<String, byte[]> contents = ModelFiles.readAll(id, manifest);
      long read = System.nanoTime();
      ChunkedModel chunks = ChunkedModel.verify(manifest, contents, chunkBytes);
      ModelConfig config = config(source.name(), id, contents.get(CONFIG_FILE));
      long verified = System.nanoTime();
      long bytes = contents.values().stream().mapToLong(b -> b.length).sum();
      LoadedModel model = open(source.name(), version, bytes, config, contents.get(modelFile),
          contents.get(tokenizerFile));
      return new Loaded(model, dir, chunks, read - started, verified - read, System.nanoTime() - verified);
    } catch (ManifestException e) {
      throw new ModelLoadException(e.getMessage(), e);
    }
  }

  /** The version's directory, which must lie directly under the root (a store path is one directory name). */
  private Path directory(ModelSource source) throws ModelLoadException {
    String storePath = source.storePath();
    Path dir = storePath == null || storePath.isBlank() ? null : root.resolve(storePath).normalize();
    if (dir == null || !root.normalize().equals(dir.getParent())) {
      throw new ModelLoadException(source.id() + ": store_path " + (storePath == null ? "(none)" : "'" + storePath
          + "'") + " is not a directory name under the model root; publish the version again");
    }
    if (!Files.isDirectory(dir)) {
      throw new ModelLoadException(source.id() + ": " + dir + " is not on the model store (store_path '" + storePath
          + "')");
    }
    return dir;
  }

  /** A registry row's version, which must be the directory's only version folder; else the highest one there. */
  private static long version(ModelSource source, Path dir) throws ModelLoadException {
    List<Long> versions = versionFolders(dir);
    if (!source.isRegistered()) {
      return versions.stream().mapToLong(Long::longValue).max().orElseThrow(() -> new ModelLoadException(
          source.name() + ": no numeric version directory (e.g. 1/) with " + MODEL_FILE));
    }
    if (!versions.equals(List.of(source.version()))) {
      throw new ModelLoadException(source.id() + ": the version folders of " + dir + " are " + versions
          + ", but the registry row is version " + source.version() + " (a published version holds exactly one "
          + "folder, named after its version)");
    }
    return source.version();
  }

  /** The parsed manifest, whose bytes hash to the registry's (a manifest changed on the store is refused). */
  private static Manifest manifest(ModelSource source, String id, Path dir)
      throws ManifestException, ModelLoadException {
    byte[] bytes = Manifest.readBytes(id, dir);
    if (source.manifestSha256() != null) {
      String actual = Manifest.sha256(bytes);
      if (!actual.equalsIgnoreCase(source.manifestSha256())) {
        throw new ModelLoadException(Manifest.FILE_NAME + " of " + id + " on the model store differs from the "
            + "registry's (sha256 " + actual + ", registry " + source.manifestSha256() + "); publish a new version");
      }
    }
    Manifest manifest = Manifest.parse(id, dir, bytes);
    manifest.checkNothingUnlisted();
    return manifest;
  }

  private static ModelConfig config(String name, String id, byte[] bytes) throws ModelLoadException {
    try {
      return ModelConfig.parse(name, new String(bytes, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(id + ": invalid " + CONFIG_FILE + ": " + e.getMessage(), e);
    }
  }

  /** The session (and tokenizer, when the version has one) from the verified bytes. */
  private LoadedModel open(String name, long version, long bytes, ModelConfig config, byte[] onnx, byte[] tokenizerJson)
      throws ModelLoadException {
    String id = name + ":" + version;
    OrtSession session;
    try {
      session = sessions.open(onnx);
    } catch (OrtException e) {
      throw new ModelLoadException(id + ": ONNX Runtime cannot load " + version + "/" + MODEL_FILE + ": "
          + e.getMessage(), e);
    }
    HuggingFaceTokenizer tokenizer = null;
    try {
      List<TensorMeta> inputs = TensorMeta.fromSession(session.getInputInfo());
      List<TensorMeta> outputs = TensorMeta.fromSession(session.getOutputInfo());
      EmbeddingIo io = null;
      if (tokenizerJson != null) {
        io = EmbeddingIo.detect(name, inputs, outputs);
        tokenizer = Tokenizers.open(tokenizerJson);
      }
      return new LoadedModel(name, version, bytes, config, session, tokenizer, io, inputs, outputs);
    } catch (OrtException | IOException | RuntimeException | ModelLoadException e) {
      closeQuietly(session);
      if (tokenizer != null) {
        tokenizer.close();
      }
      if (e instanceof ModelLoadException m) {
        throw m;
      }
      throw new ModelLoadException(id + ": cannot load: " + e.getMessage(), e);
    }
  }

  /** Highest numerically named version directory; names that start with 0 or are not numbers are ignored. */
  static OptionalLong latestVersion(Path modelDir) throws ModelLoadException {
    return versionFolders(modelDir).stream().mapToLong(Long::longValue).max();
  }

  private static List<Long> versionFolders(Path modelDir) throws ModelLoadException {
    List<Long> versions = new ArrayList<>();
    try (Stream<Path> children = Files.list(modelDir)) {
      children.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(n -> n.matches("[1-9][0-9]{0,17}"))
          .forEach(n -> versions.add(Long.parseLong(n)));
    } catch (IOException e) {
      throw new ModelLoadException(modelDir.getFileName() + ": cannot list versions: " + e.getMessage(), e);
    }
    versions.sort(null);
    return versions;
  }

  private static void closeQuietly(OrtSession session) {
    try {
      session.close();
    } catch (OrtException ignored) {
      // Already failing; the original error matters.
    }
  }
}
