package io.mrgc.cluster.models;

import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.carwash.integrity.ManifestException;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The local cluster's model root (a directory standing for the FSx mount). A version is copied into
 * {@code .staging/}, verified there, then renamed into place in one step: an agent never sees half a version.
 */
public final class LocalModelStore implements ModelStore {
  static final String STAGING = ".staging";
  private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-r--r--");
  private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-xr-x");

  private final Path modelRoot;

  public LocalModelStore(Path modelRoot) {
    this.modelRoot = modelRoot.toAbsolutePath().normalize();
  }

  @Override
  public String put(StoredVersion version, Consumer<String> progress) throws IOException {
    Path target = modelRoot.resolve(version.storePath());
    if (Files.exists(target)) {
      checkSame(version, target);
      progress.accept(target + " already holds these files (verified)");
      return target.toString();
    }
    Path stagingRoot = modelRoot.resolve(STAGING);
    Files.createDirectories(stagingRoot);
    Path staging = stagingRoot.resolve(version.storePath() + "-" + UUID.randomUUID());
    try {
      copy(version, staging);
      verify(version, staging, "the copy in " + staging);
      try {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
        checkSame(version, target); // another publish of the same version won the rename
      }
    } finally {
      deleteTree(staging);
      try {
        Files.deleteIfExists(stagingRoot);
      } catch (DirectoryNotEmptyException another) {
        // Another publish is staging: its directory stays.
      }
    }
    progress.accept("copied " + version.files().size() + " files into " + target);
    return target.toString();
  }

  private static void copy(StoredVersion version, Path staging) throws IOException {
    for (var entry : version.files().entrySet()) {
      Path to = staging.resolve(entry.getKey());
      Files.createDirectories(to.getParent());
      Files.copy(entry.getValue().source(), to);
    }
    Files.createDirectories(staging);
    Files.write(staging.resolve(Manifest.FILE_NAME), version.manifest());
    try (Stream<Path> walk = Files.walk(staging)) {
      for (Path path : walk.toList()) {
        readable(path, Files.isDirectory(path) ? DIR_MODE : FILE_MODE);
      }
    }
  }

  /** A directory already at the target: fine when it is exactly this version, else refused. */
  private static void checkSame(StoredVersion version, Path target) throws IOException {
    Path manifest = target.resolve(Manifest.FILE_NAME);
    if (!Files.isRegularFile(manifest) || !Arrays.equals(Files.readAllBytes(manifest), version.manifest())) {
      throw new IllegalStateException(target + " already holds other files than these; a store path is written "
          + "once: publish these files as another --version (or, if " + version.id() + " was never AVAILABLE, "
          + "remove " + target + " and run again)");
    }
    verify(version, target, target.toString());
  }

  private static void verify(StoredVersion version, Path dir, String what) {
    try {
      Manifest.verify(version.storePath(), dir);
    } catch (ManifestException e) {
      throw new IllegalStateException(what + " does not match the manifest (" + e.getMessage() + "); was a file "
          + "of the source changed while publishing? run the command again", e);
    }
  }

  /** Agents run as other users: everything is readable by all, written by none but the publisher. */
  private static void readable(Path path, Set<PosixFilePermission> mode) throws IOException {
    PosixFileAttributeView posix = Files.getFileAttributeView(path, PosixFileAttributeView.class);
    if (posix != null) {
      posix.setPermissions(mode);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
