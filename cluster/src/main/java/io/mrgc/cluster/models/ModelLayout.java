package io.mrgc.cluster.models;

import io.mrgc.agent.model.ModelConfig;
import io.mrgc.agent.model.ModelRepository;
import io.mrgc.agent.model.Pbtxt;
import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.carwash.integrity.ManifestException;
import io.mrgc.state.ModelRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A model directory an operator publishes, checked against the Triton layout the agents load: {@code config.pbtxt}
 * naming the model (or no name), exactly one numeric version folder holding {@code model.onnx}, plain files only, and
 * a {@code manifest.sha256} that matches every file (written here when absent).
 */
public final class ModelLayout {
  private static final String VERSION_FOLDER = "[1-9][0-9]*";

  private final String name;
  private final Path dir;
  private final long versionFolder;
  private final Manifest manifest;
  private final boolean wroteManifest;

  private ModelLayout(String name, Path dir, long versionFolder, Manifest manifest, boolean wroteManifest) {
    this.name = name;
    this.dir = dir;
    this.versionFolder = versionFolder;
    this.manifest = manifest;
    this.wroteManifest = wroteManifest;
  }

  /**
   * Checks {@code dir} as the files of model {@code name}; writes {@code manifest.sha256} into it when absent.
   *
   * @throws IllegalArgumentException saying what to fix
   */
  public static ModelLayout check(Path dir, String name) throws IOException {
    ModelRegistry.checkName(name);
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + " is not a directory: give the model's Triton directory "
          + "(config.pbtxt, a version folder such as 1/ with model.onnx)");
    }
    Path real = dir.toRealPath();
    checkPlainFilesOnly(real);
    checkConfig(real, name);
    long folder = versionFolder(real);
    boolean absent = !Files.exists(real.resolve(Manifest.FILE_NAME), LinkOption.NOFOLLOW_LINKS);
    if (absent) {
      writeManifest(real);
    }
    Manifest manifest;
    try {
      manifest = Manifest.read(real.toString(), real);
      manifest.verifyAll();
    } catch (ManifestException e) {
      // The agents' wording ("refusing to load") does not fit here: say what to do instead.
      throw new IllegalArgumentException(e.getMessage().replace("; refusing to load", "") + "; restore the file, "
          + "or delete " + Manifest.FILE_NAME
          + " if the change is intended (publish then writes a new one)", e);
    }
    return new ModelLayout(name, real, folder, manifest, absent);
  }

  public String name() {
    return name;
  }

  public Path dir() {
    return dir;
  }

  /** The number of the directory's version folder (the default version to publish it as). */
  public long versionFolder() {
    return versionFolder;
  }

  /** Whether {@link #check} wrote {@code manifest.sha256} into the directory (it had none). */
  public boolean wroteManifest() {
    return wroteManifest;
  }

  /** The files as the model store holds them for {@code version} (the version folder renamed to it). */
  public StoredVersion storedAs(long version) throws IOException {
    ModelRegistry.checkVersion(version);
    return StoredVersion.of(name, version, dir, Long.toString(versionFolder), manifest.hashes());
  }

  private static void checkPlainFilesOnly(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path path : (Iterable<Path>) walk::iterator) {
        if (Files.isSymbolicLink(path)) {
          throw new IllegalArgumentException(path + " is a symbolic link: a model store holds plain files only; "
              + "copy the file it points to in its place");
        }
        if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
            && !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          throw new IllegalArgumentException(path + " is not a plain file or directory (a fifo, socket or device): "
              + "a model store holds plain files only; remove it");
        }
      }
    }
  }

  private static void checkConfig(Path dir, String name) throws IOException {
    Path file = dir.resolve(ModelRepository.CONFIG_FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(dir + " has no " + ModelRepository.CONFIG_FILE + ": a Triton model "
          + "directory needs one (platform or backend, max_batch_size, inputs, outputs)");
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    String named;
    try {
      named = Pbtxt.parse(text).string("name");
      ModelConfig.parse(named == null ? name : named, text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + " is not a valid Triton config: " + e.getMessage(), e);
    }
    if (named != null && !named.equals(name)) {
      // Triton's rule: a config's name is its model's name.
      throw new IllegalArgumentException(ModelRepository.CONFIG_FILE + " names model " + named + "; publish it with "
          + "--name " + named + " or change its name");
    }
  }

  private static long versionFolder(Path dir) throws IOException {
    List<String> folders = new ArrayList<>();
    List<String> others = new ArrayList<>();
    try (Stream<Path> children = Files.list(dir)) {
      children.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted()
          .forEach(child -> (child.matches(VERSION_FOLDER) ? folders : others).add(child));
    }
    if (folders.isEmpty()) {
      throw new IllegalArgumentException(dir + " has no version folder: put " + ModelRepository.MODEL_FILE
          + " in a numeric folder such as " + dir.resolve("1") + "/ (found "
          + (others.isEmpty() ? "no folder" : "only " + String.join(", ", others)) + ")");
    }
    if (folders.size() > 1) {
      throw new IllegalArgumentException(dir + " has " + folders.size() + " version folders (" + String.join(", ",
          folders) + "); a published version holds exactly one: keep one and publish each as its own --version");
    }
    String folder = folders.get(0);
    if (!Files.isRegularFile(dir.resolve(folder).resolve(ModelRepository.MODEL_FILE))) {
      throw new IllegalArgumentException(dir.resolve(folder) + " has no " + ModelRepository.MODEL_FILE
          + ": the version folder holds the ONNX graph");
    }
    if (folder.length() > 12 || Long.parseLong(folder) > ModelRegistry.MAX_VERSION) {
      throw new IllegalArgumentException("version folder " + folder + " is over the highest version, "
          + ModelRegistry.MAX_VERSION + "; rename it");
    }
    return Long.parseLong(folder);
  }

  private static void writeManifest(Path dir) throws IOException {
    String rendered = Manifest.compute(dir).render();
    Path temp = dir.resolve(Manifest.FILE_NAME + ".tmp");
    try {
      Files.writeString(temp, rendered, StandardCharsets.UTF_8);
      Files.move(temp, dir.resolve(Manifest.FILE_NAME), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      throw new IOException("cannot write " + dir.resolve(Manifest.FILE_NAME) + " (" + e.getMessage() + "): make "
          + dir + " writable, or write the manifest yourself (sha256sum of every file)", e);
    }
  }
}
