package io.mrgc.cluster.models;

import io.mrgc.agent.ModelInstaller;
import io.mrgc.carwash.integrity.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** Real model directories for publish tests: the quantized all-MiniLM-L6-v2 in Triton layout, under any name. */
public final class ModelDirs {
  private ModelDirs() {}

  /**
   * The quantized all-MiniLM-L6-v2 as model {@code name} (its config.pbtxt says so) at {@code <parent>/<name>}, with
   * no manifest (publish writes it).
   */
  public static Path named(Path parent, String name) throws IOException {
    return named(parent, name, ModelInstaller.MINILM_QUANTIZED);
  }

  /** As {@link #named(Path, String)}, from any bundled model (the fp32 one is four times the size). */
  public static Path named(Path parent, String name, ModelInstaller.BundledModel model) throws IOException {
    Path installed = ModelInstaller.install(parent.resolve(".installed"), model);
    Path dir = parent.resolve(name);
    copyTree(installed, dir);
    Path config = dir.resolve("config.pbtxt");
    Files.writeString(config, Files.readString(config)
        .replace("name: \"" + model.name() + "\"", "name: \"" + name + "\""));
    Files.delete(dir.resolve(Manifest.FILE_NAME));
    return dir;
  }

  /** Regular files under {@code dir}, relative, sorted. */
  public static List<String> files(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
    }
  }

  public static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path path : walk.toList()) {
        Files.copy(path, to.resolve(from.relativize(path).toString()));
      }
    }
  }

  public static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
