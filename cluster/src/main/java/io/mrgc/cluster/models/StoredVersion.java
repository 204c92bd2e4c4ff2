package io.mrgc.cluster.models;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * One model version as the model store holds it: directory {@code <name>@<version>} with the source's files (its
 * version folder renamed to {@code <version>}) and a {@code manifest.sha256} over those stored paths.
 */
public final class StoredVersion {
  /** A file to store: where it is read from, its sha256 (from the verified source manifest) and size. */
  public record StoredFile(Path source, String sha256, long size) {}

  private final String name;
  private final long version;
  /** Stored relative path -> file, sorted by path (the manifest's order). */
  private final Map<String, StoredFile> files;
  private final byte[] manifest;

  private StoredVersion(String name, long version, Map<String, StoredFile> files, byte[] manifest) {
    this.name = name;
    this.version = version;
    this.files = Collections.unmodifiableMap(files);
    this.manifest = manifest;
  }

  /** The files of {@code dir} listed by {@code hashes}, folder {@code folder} stored as {@code version}. */
  static StoredVersion of(String name, long version, Path dir, String folder, Map<String, String> hashes)
      throws IOException {
    String target = Long.toString(version);
    Map<String, StoredFile> files = new TreeMap<>();
    StringBuilder rendered = new StringBuilder();
    for (Map.Entry<String, String> entry : new TreeMap<>(hashes).entrySet()) {
      String path = entry.getKey();
      String first = path.split("/", 2)[0];
      if (!folder.equals(target) && first.equals(target)) {
        throw new IllegalArgumentException(dir + " already holds " + path + ", where version " + version
            + " would go; publish it as its folder's version (" + folder + ") or rename " + path);
      }
      String stored = first.equals(folder) ? target + path.substring(folder.length()) : path;
      Path source = dir.resolve(path);
      files.put(stored, new StoredFile(source, entry.getValue(), Files.size(source)));
    }
    files.forEach((path, file) -> rendered.append(file.sha256()).append("  ").append(path).append('\n'));
    return new StoredVersion(name, version, files, rendered.toString().getBytes(StandardCharsets.UTF_8));
  }

  public String name() {
    return name;
  }

  public long version() {
    return version;
  }

  /** {@code name:version}, as commands and the registry name a version. */
  public String id() {
    return name + ":" + version;
  }

  /** The version's directory relative to the model root: {@code <name>@<version>} (the row's store_path). */
  public String storePath() {
    return name + "@" + version;
  }

  /** Every file but the manifest: stored relative path -> file, sorted by path. */
  public Map<String, StoredFile> files() {
    return files;
  }

  /** The bytes of the stored {@code manifest.sha256} ({@code <sha256>  <stored path>} lines). */
  public byte[] manifest() {
    return manifest.clone();
  }

  /** Lower-case hex sha256 of the stored manifest's bytes (the row's manifest_sha256). */
  public String manifestSha256() {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(manifest));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Bytes of every file the manifest lists (the row's size_bytes). */
  public long sizeBytes() {
    return files.values().stream().mapToLong(StoredFile::size).sum();
  }
}
