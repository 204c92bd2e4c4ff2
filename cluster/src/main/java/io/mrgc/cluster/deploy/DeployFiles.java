package io.mrgc.cluster.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the services' configuration files under {@code .mrgc/deploy/}, as an operator (or terraform's task
 * definitions) would write them: plain YAML the user can read and run with {@code mrgc serve}. Secrets are not in
 * them: they reach the processes through the environment.
 */
public final class DeployFiles {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  private final Path dir;

  public DeployFiles(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }

  /** Writes {@code name}.yaml with a header comment; returns its path. */
  public Path write(String name, String comment, Map<String, Object> settings) {
    Path file = dir.resolve(name + ".yaml");
    try {
      Files.writeString(file, "# " + comment + "\n" + YAML.writeValueAsString(settings));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** A nested map in insertion order: {@code map("port", 8080, "host", "127.0.0.1")}. */
  public static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      out.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return out;
  }
}
