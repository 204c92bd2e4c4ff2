package io.mrgc.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where a service's settings come from: its YAML file, flattened to dotted keys ({@code listener.port}), with
 * {@code MRGC_...} environment variables on top, because ECS task definitions pass settings as environment variables.
 * A list in the file becomes a comma-separated value; a key's environment variable is {@link #envName}.
 */
public final class ConfigSource {
  /** A value and where it was read, for messages ("from env MRGC_PORT", "from router.yaml"). */
  public record Value(String text, String origin) {}

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Map<String, Value> fileValues;
  private final Map<String, String> env;

  private ConfigSource(Map<String, Value> fileValues, Map<String, String> env) {
    this.fileValues = fileValues;
    this.env = Map.copyOf(env);
  }

  /** Reads {@code file}; a file that cannot be read or parsed is one problem naming the file and the cause. */
  public static ConfigSource load(Path file, Map<String, String> env) {
    JsonNode root;
    try {
      root = YAML.readTree(Files.readString(file));
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(List.of("config file " + file + ": cannot be read as YAML: "
          + firstLine(e.getMessage())));
    }
    return fromTree(root, file.getFileName().toString(), env);
  }

  /** Settings given as YAML text (tests; {@code mrgc up} building services in one JVM). */
  public static ConfigSource ofYaml(String yaml, String name, Map<String, String> env) {
    try {
      return fromTree(YAML.readTree(yaml), name, env);
    } catch (IOException e) {
      throw new ConfigException(List.of(name + ": cannot be read as YAML: " + firstLine(e.getMessage())));
    }
  }

  private static ConfigSource fromTree(JsonNode root, String origin, Map<String, String> env) {
    Map<String, Value> values = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    if (root != null && !root.isNull() && !root.isMissingNode()) {
      if (!root.isObject()) {
        throw new ConfigException(List.of(origin + ": must be a mapping of keys to values, but is a "
            + root.getNodeType().name().toLowerCase(Locale.ROOT)));
      }
      flatten("", root, origin, values, problems);
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new ConfigSource(values, env);
  }

  private static void flatten(String prefix, JsonNode node, String origin, Map<String, Value> out,
      List<String> problems) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String key = prefix + field.getKey();
      JsonNode value = field.getValue();
      if (value.isObject()) {
        flatten(key + ".", value, origin, out, problems);
      } else if (value.isArray()) {
        List<String> items = new ArrayList<>();
        for (JsonNode item : value) {
          if (item.isContainerNode()) {
            problems.add(key + ": lists may hold plain values only (" + origin + ")");
          }
          items.add(item.asText());
        }
        out.put(key, new Value(String.join(",", items), origin));
      } else if (!value.isNull()) {
        out.put(key, new Value(value.asText(), origin));
      }
    }
  }

  /** {@code listener.maxBodyBytes} -> {@code MRGC_LISTENER_MAX_BODY_BYTES}. */
  public static String envName(String key) {
    return "MRGC_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').replace('-', '_')
        .toUpperCase(Locale.ROOT);
  }

  /** The value of {@code key}: its environment variable if set, else the file's. */
  public Optional<Value> lookup(String key) {
    String name = envName(key);
    String fromEnv = env.get(name);
    if (fromEnv != null) {
      return Optional.of(new Value(fromEnv, "env " + name));
    }
    return Optional.ofNullable(fileValues.get(key));
  }

  /** The file's keys under {@code prefix + "."} (maps whose keys the operator chooses, e.g. regions). */
  public Map<String, Value> under(String prefix) {
    Map<String, Value> found = new LinkedHashMap<>();
    fileValues.forEach((key, value) -> {
      if (key.startsWith(prefix + ".")) {
        found.put(key.substring(prefix.length() + 1), value);
      }
    });
    return found;
  }

  /** Every key the file sets (to find the ones no service reads: typos). */
  public Set<String> fileKeys() {
    return fileValues.keySet();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
