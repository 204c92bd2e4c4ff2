package io.mrgc.agent;

import io.mrgc.agent.model.ModelRepository;
import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.state.ModelRegistry;
import io.mrgc.state.items.ModelItem;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Model versions laid out in a model store as {@code mrgc model publish} leaves them, and their registry rows: a copy
 * of an installed model directory ({@link ModelInstaller}) with config.pbtxt's name changed to the new name, the
 * version folder renamed to the version, and the manifest computed again.
 */
public final class PublishedVersions {
  private PublishedVersions() {}

  /** A published version's directory: {@code <root>/<name>@<version>/}. */
  public static Path layOut(Path root, Path installed, String name, long version) {
    return copy(installed, root.resolve(name + "@" + version), name, version);
  }

  /** A model installed outside the registry under another name: {@code <root>/<name>/}, version folder 1. */
  public static Path layOutUnregistered(Path root, Path installed, String name) {
    return copy(installed, root.resolve(name), name, 1);
  }

  private static Path copy(Path installed, Path target, String name, long version) {
    try (Stream<Path> files = Files.walk(installed)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String relative = installed.relativize(file).toString().replace('\\', '/');
        if (relative.equals(Manifest.FILE_NAME)) {
          continue;
        }
        String renamed = relative.replaceFirst("^[0-9]+/", version + "/");
        Path copy = target.resolve(renamed);
        Files.createDirectories(copy.getParent());
        if (relative.equals(ModelRepository.CONFIG_FILE)) {
          Files.writeString(copy, Files.readString(file).replaceFirst("(?m)^name: \".*\"$", "name: \"" + name + "\""));
        } else {
          Files.copy(file, copy);
        }
      }
      ModelInstaller.writeManifest(target);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The registry row of the version laid out at {@code dir} (its manifest's sha256, its files' sizes). */
  public static ModelItem row(Path root, Path dir, String name, long version) {
    try {
      Manifest manifest = Manifest.read(name, dir);
      long size = 0;
      for (String file : manifest.files()) {
        size += Files.size(dir.resolve(file));
      }
      ModelItem row = new ModelItem();
      row.setName(name);
      row.setVersion(version);
      row.setStorePath(root.relativize(dir).toString());
      row.setManifestSha256(Manifest.sha256(Files.readAllBytes(dir.resolve(Manifest.FILE_NAME))));
      row.setSizeBytes(size);
      row.setPublishedBy("test");
      row.setPublishedAt(System.currentTimeMillis());
      return row;
    } catch (Exception e) {
      throw new IllegalStateException("cannot describe " + dir, e);
    }
  }

  /** Writes {@code row} PUBLISHING, then AVAILABLE (as a publish does once the files are on the store). */
  public static ModelItem publish(ModelRegistry registry, ModelItem row) {
    registry.beginPublish(row).join();
    return registry.markAvailable(row.getName(), row.getVersion(), System.currentTimeMillis()).join();
  }

  public static void retire(ModelRegistry registry, String name, long version) {
    registry.retire(name, version, "test", System.currentTimeMillis()).join();
  }

  /** Retires every version of {@code names} not retired yet (so that agents of later tests ignore them). */
  public static void retireAll(ModelRegistry registry, List<String> names) {
    for (String name : names) {
      for (ModelItem row : registry.versions(name).join()) {
        if (!"RETIRED".equals(row.getState())) {
          retire(registry, name, row.getVersion());
        }
      }
    }
  }

  /** Changes one byte of {@code file} (after its manifest was written: a corrupted copy). */
  public static void flipByte(Path file, long offset) {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      int b = raf.read();
      raf.seek(offset);
      raf.write(b ^ 0x80);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
