package io.mrgc.carwash.integrity;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A model's {@code manifest.sha256} in {@code sha256sum} format ({@code <hex>  <relative path>}). It must cover
 * every file of the model directory, so that a file added, changed or removed on the shared mount is caught.
 *
 * <p>{@link #verify(String, Path)} is the full check (model load, schedule); {@link #read(String, Path)} plus
 * {@link #verifyFiles(Collection)} checks a slice of files (the car wash's rotating per-request check).
 */
public final class Manifest {
  public static final String FILE_NAME = "manifest.sha256";

  private final String model;
  private final Path modelDir;
  /** Relative path -> lower-case hex sha256, sorted by path. */
  private final Map<String, String> hashes;

  private Manifest(String model, Path modelDir, Map<String, String> hashes) {
    this.model = model;
    this.modelDir = modelDir;
    this.hashes = Collections.unmodifiableMap(hashes);
  }

  public Map<String, String> hashes() {
    return hashes;
  }

  /** The listed files (relative paths), sorted. */
  public List<String> files() {
    return List.copyOf(hashes.keySet());
  }

  /** Hashes every file under {@code modelDir} except the manifest itself (what an operator uploads next to it). */
  public static Manifest compute(Path modelDir) throws IOException {
    Map<String, String> hashes = new LinkedHashMap<>();
    for (String relative : filesOf(modelDir)) {
      hashes.put(relative, sha256(modelDir.resolve(relative)));
    }
    return new Manifest(modelDir.getFileName() == null ? "" : modelDir.getFileName().toString(), modelDir, hashes);
  }

  public String render() {
    StringBuilder out = new StringBuilder();
    hashes.forEach((path, hex) -> out.append(hex).append("  ").append(path).append('\n'));
    return out.toString();
  }

  /** Reads and parses the manifest of {@code modelDir} (no file is hashed). */
  public static Manifest read(String model, Path modelDir) throws ManifestException {
    return parse(model, modelDir, readBytes(model, modelDir));
  }

  /** The bytes of {@code modelDir}'s manifest file, e.g. to compare their sha256 with a registry's before parsing. */
  public static byte[] readBytes(String model, Path modelDir) throws ManifestException {
    Path file = modelDir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      throw new ManifestException(model + ": " + FILE_NAME + " is missing");
    }
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ManifestException(model + ": cannot read " + FILE_NAME, e);
    }
  }

  /** Parses {@code content}, the bytes of {@code modelDir}'s manifest already read (no file is hashed). */
  public static Manifest parse(String model, Path modelDir, byte[] content) throws ManifestException {
    return new Manifest(model, modelDir, parse(model, new String(content, StandardCharsets.UTF_8).lines().toList()));
  }

  /** Reads the manifest of {@code modelDir} and checks every file against it, in full. */
  public static void verify(String model, Path modelDir) throws ManifestException {
    read(model, modelDir).verifyAll();
  }

  /** The full check: no unlisted file in the directory, and every listed file present with its hash. */
  public void verifyAll() throws ManifestException {
    checkNothingUnlisted();
    verifyFiles(hashes.keySet());
  }

  /** Every file of the model directory (but the manifest) is listed: a file dropped in next to the model fails. */
  public void checkNothingUnlisted() throws ManifestException {
    try {
      for (String relative : filesOf(modelDir)) {
        if (!hashes.containsKey(relative)) {
          throw new ManifestException(model + ": " + relative + " is not listed in " + FILE_NAME);
        }
      }
    } catch (IOException e) {
      throw unreadable(e);
    }
  }

  /** Checks the listed files {@code relativePaths} (each must be in this manifest) against their hashes. */
  public void verifyFiles(Collection<String> relativePaths) throws ManifestException {
    try {
      for (String relative : relativePaths) {
        checkHash(relative, sha256(locate(relative)));
      }
    } catch (IOException e) {
      throw unreadable(e);
    }
  }

  /** The listed file {@code relative} inside the model directory; missing (or outside the directory) fails. */
  public Path locate(String relative) throws ManifestException {
    if (!hashes.containsKey(relative)) {
      throw new IllegalArgumentException(relative + " is not listed in " + FILE_NAME + " of " + model);
    }
    Path target = modelDir.resolve(relative).normalize();
    if (!target.startsWith(modelDir.normalize()) || !Files.isRegularFile(target)) {
      throw new ManifestException(model + ": " + relative + " listed in " + FILE_NAME + " is missing");
    }
    return target;
  }

  /** Fails unless {@code actualHex} is the sha256 the manifest lists for {@code relative}. */
  public void checkHash(String relative, String actualHex) throws ManifestException {
    String expected = hashes.get(relative);
    if (!actualHex.equals(expected)) {
      throw new ManifestException(model + ": sha256 mismatch for " + relative + " (manifest "
          + expected + ", file " + actualHex + "); refusing to load");
    }
  }

  public String model() {
    return model;
  }

  ManifestException unreadable(IOException e) {
    return new ManifestException(model + ": cannot read the model files: " + e.getMessage(), e);
  }

  private static Map<String, String> parse(String model, List<String> lines) throws ManifestException {
    Map<String, String> hashes = new TreeMap<>();
    int number = 0;
    for (String line : lines) {
      number++;
      if (line.isBlank()) {
        continue;
      }
      // sha256sum writes "<hex>  <path>", or "<hex> *<path>" in binary mode.
      if (line.length() < 67 || line.charAt(64) != ' ' || (line.charAt(65) != ' ' && line.charAt(65) != '*')) {
        throw new ManifestException(model + ": " + FILE_NAME + " line " + number + " is not '<sha256>  <path>'");
      }
      String hex = line.substring(0, 64).toLowerCase();
      if (!hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
        throw new ManifestException(model + ": " + FILE_NAME + " line " + number + " has no sha256 hex digest");
      }
      String path = line.substring(66).replace('\\', '/');
      if (path.startsWith("./")) {
        path = path.substring(2);
      }
      hashes.put(path, hex);
    }
    if (hashes.isEmpty()) {
      throw new ManifestException(model + ": " + FILE_NAME + " is empty");
    }
    return hashes;
  }

  private static List<String> filesOf(Path modelDir) throws IOException {
    TreeSet<String> files = new TreeSet<>();
    try (Stream<Path> walk = Files.walk(modelDir)) {
      walk.filter(Files::isRegularFile)
          .map(p -> modelDir.relativize(p).toString().replace('\\', '/'))
          .filter(p -> !p.equals(FILE_NAME))
          .forEach(files::add);
    }
    return List.copyOf(files);
  }

  /** Lower-case hex sha256 of {@code content}. */
  public static String sha256(byte[] content) {
    MessageDigest digest = ChunkedModel.newDigest();
    digest.update(content);
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Lower-case hex sha256 of a file's content. */
  public static String sha256(Path file) throws IOException {
    MessageDigest digest = ChunkedModel.newDigest();
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int read;
      while ((read = in.read(buffer)) > 0) {
        digest.update(buffer, 0, read);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
