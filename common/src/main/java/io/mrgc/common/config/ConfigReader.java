package io.mrgc.common.config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a service's settings key by key: each read declares the key (so {@code docs/config.md} and
 * {@code --check-config} list it), returns its value or default, and records a problem instead of throwing, so that a
 * start reports every problem at once ({@link #finish}). Messages name the key, the value and where it came from, and
 * what is allowed: {@code port: '70000' (from env MRGC_PORT) is not allowed; allowed: an integer from 0 to 65535}.
 * Keys no read declared are reported as unknown (a typo must not silently fall back to a default).
 */
public final class ConfigReader {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)(KiB|MiB|GiB)?");
  private static final String MASK = "******";

  /** What the readers of one source share: declared keys, problems, effective values. */
  private static final class Shared {
    final ConfigSource source;
    final Map<String, KeySpec> specs = new LinkedHashMap<>();
    final Set<String> prefixes = new LinkedHashSet<>();
    final List<String> problems = new ArrayList<>();
    final Map<String, String> effective = new LinkedHashMap<>();

    Shared(ConfigSource source) {
      this.source = source;
    }
  }

  private final Shared shared;
  private final String prefix;

  private ConfigReader(Shared shared, String prefix) {
    this.shared = shared;
    this.prefix = prefix;
  }

  public static ConfigReader of(ConfigSource source) {
    return new ConfigReader(new Shared(source), "");
  }

  /** The keys under {@code name.} ({@code listener.port} is {@code section("listener").integer("port", ...)}). */
  public ConfigReader section(String name) {
    return new ConfigReader(shared, prefix + name + ".");
  }

  public String string(String key, String defaultValue, String description) {
    return read(key, "text", defaultValue, description, false, text -> text);
  }

  /** A value with no default: a start without it fails saying so. */
  public String required(String key, String allowed, String description) {
    return read(key, allowed, null, description, false, text -> text);
  }

  /** A secret: never printed ({@code --check-config} shows {@value #MASK}); empty when unset. */
  public String secret(String key, String description) {
    return read(key, "text (secret)", "", description, true, text -> text);
  }

  public int integer(String key, int defaultValue, int min, int max, String description) {
    String allowed = "an integer from " + min + " to " + max;
    return read(key, allowed, Integer.toString(defaultValue), description, false, text -> {
      long value = Long.parseLong(text.trim());
      if (value < min || value > max) {
        throw new IllegalArgumentException();
      }
      return (int) value;
    });
  }

  /** A count of bytes, plain or with a KiB, MiB or GiB suffix. */
  public long bytes(String key, long defaultValue, long min, long max, String description) {
    String allowed = "a size from " + min + " to " + max + " bytes (a number, or with KiB, MiB, GiB)";
    return read(key, allowed, Long.toString(defaultValue), description, false, text -> {
      Matcher m = SIZE.matcher(text.trim());
      if (!m.matches()) {
        throw new IllegalArgumentException();
      }
      long unit = m.group(2) == null ? 1 : switch (m.group(2)) {
        case "KiB" -> 1L << 10;
        case "MiB" -> 1L << 20;
        default -> 1L << 30;
      };
      long value = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
      if (value < min || value > max) {
        throw new IllegalArgumentException();
      }
      return value;
    });
  }

  public double decimal(String key, double defaultValue, double min, double max, String description) {
    String allowed = "a number from " + min + " to " + max;
    return read(key, allowed, Double.toString(defaultValue), description, false, text -> {
      double value = Double.parseDouble(text.trim());
      if (!(value >= min && value <= max)) {
        throw new IllegalArgumentException();
      }
      return value;
    });
  }

  public boolean flag(String key, boolean defaultValue, String description) {
    return read(key, "true or false", Boolean.toString(defaultValue), description, false, text -> {
      return switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "true" -> true;
        case "false" -> false;
        default -> throw new IllegalArgumentException();
      };
    });
  }

  /** A positive duration: {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h}, {@code 1d} or ISO-8601 ({@code PT2S}). */
  public Duration duration(String key, Duration defaultValue, String description) {
    String allowed = "a positive duration such as 500ms, 2s, 5m, 1h or PT2S";
    return read(key, allowed, defaultValue == null ? null : format(defaultValue), description, false,
        ConfigReader::parseDuration);
  }

  /** A duration that may be zero ({@code 0s}: none), in the same forms as {@link #duration}. */
  public Duration delay(String key, Duration defaultValue, String description) {
    return read(key, "a duration of 0s or more such as 0s, 500ms, 2s or 5m", format(defaultValue), description, false,
        text -> text.trim().matches("0+(ms|s|m|h|d)?") ? Duration.ZERO : parseDuration(text));
  }

  /** One of an enum's constants, written in lower case with dashes ({@code FAILOVER_CONTROLLER} is failover-controller). */
  public <E extends Enum<E>> E choice(String key, E defaultValue, Class<E> type, String description) {
    String allowed = "one of " + Arrays.stream(type.getEnumConstants()).map(ConfigReader::name)
        .collect(Collectors.joining(", "));
    return read(key, allowed, defaultValue == null ? null : name(defaultValue), description, false, text -> {
      for (E constant : type.getEnumConstants()) {
        if (name(constant).equals(text.trim())) {
          return constant;
        }
      }
      throw new IllegalArgumentException();
    });
  }

  /** A comma-separated list (a YAML list in the file); empty entries are not allowed. */
  public List<String> list(String key, List<String> defaultValue, String description) {
    return read(key, "a list of values (YAML list, or comma-separated)",
        defaultValue == null ? null : String.join(",", defaultValue), description, false, ConfigReader::parseList);
  }

  public Path path(String key, Path defaultValue, String description) {
    return read(key, "a file system path", defaultValue == null ? null : defaultValue.toString(), description, false,
        text -> Path.of(text.trim()));
  }

  public Optional<Path> optionalPath(String key, String description) {
    String text = read(key, "a file system path", "", description, false, t -> t.trim());
    return text.isEmpty() ? Optional.empty() : Optional.of(Path.of(text));
  }

  /**
   * A map whose keys the operator chooses ({@code routers.us-east-1: [url, url]}): the file's keys under
   * {@code key.}, or the environment variable as {@code name=value;name=value}.
   */
  public Map<String, String> map(String key, String allowed, String description) {
    String full = prefix + key;
    declare(new KeySpec(full + ".<name>", ConfigSource.envName(full), allowed + " (env: name=value;name=value)",
        "", description, false));
    shared.prefixes.add(full + ".");
    Map<String, String> values = new LinkedHashMap<>();
    Optional<ConfigSource.Value> fromEnv = shared.source.lookup(full)
        .filter(v -> v.origin().startsWith("env "));
    if (fromEnv.isPresent()) {
      for (String entry : fromEnv.get().text().split(";")) {
        int eq = entry.indexOf('=');
        if (eq <= 0) {
          problem(full, "'" + entry + "' (from " + fromEnv.get().origin() + ") is not name=value");
          continue;
        }
        values.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
      }
    } else {
      shared.source.under(full).forEach((name, value) -> values.put(name, value.text()));
    }
    values.forEach((name, value) -> shared.effective.put(full + "." + name, value));
    return values;
  }

  /**
   * Builds an options object from values read so far; its own validation (an {@link IllegalArgumentException} with
   * an exact message) becomes a problem of {@code key}. Returns null when building is pointless (problems already)
   * or failed; {@link #finish} then throws.
   */
  public <T> T build(String key, Supplier<T> factory) {
    if (!shared.problems.isEmpty()) {
      return null;
    }
    try {
      return factory.get();
    } catch (IllegalArgumentException e) {
      problem(key, e.getMessage());
      return null;
    }
  }

  /** A problem found by a check across keys; {@code key} is relative to this section. */
  public void problem(String key, String message) {
    shared.problems.add((prefix + key).isEmpty() ? message : prefix + key + ": " + message);
  }

  public List<String> problems() {
    return List.copyOf(shared.problems);
  }

  /** Every key declared so far, in reading order. */
  public List<KeySpec> keys() {
    return List.copyOf(shared.specs.values());
  }

  /** Throws with every problem, unknown keys of the file included; returns quietly when there is none. */
  public void finish() {
    for (String key : shared.source.fileKeys()) {
      if (!shared.specs.containsKey(key) && shared.prefixes.stream().noneMatch(key::startsWith)) {
        shared.problems.add(key + ": unknown key" + suggestion(key));
      }
    }
    if (!shared.problems.isEmpty()) {
      throw new ConfigException(shared.problems);
    }
  }

  /** {@code key = value (default|from ...)} per declared key, secrets masked: what {@code --check-config} prints. */
  public String describeEffective() {
    StringBuilder out = new StringBuilder();
    shared.effective.forEach((key, value) -> out.append(key).append(" = ").append(value).append('\n'));
    return out.toString();
  }

  private <T> T read(String key, String allowed, String defaultText, String description, boolean secret,
      Parser<T> parser) {
    String full = prefix + key;
    declare(new KeySpec(full, ConfigSource.envName(full), allowed, defaultText, description, secret));
    Optional<ConfigSource.Value> value = shared.source.lookup(full);
    String text;
    String origin;
    if (value.isPresent() && !value.get().text().isBlank()) {
      text = value.get().text();
      origin = value.get().origin();
    } else if (defaultText == null) {
      shared.problems.add(full + ": missing; required: " + allowed + " (set it in the file or in "
          + ConfigSource.envName(full) + ")");
      shared.effective.put(full, "<missing>");
      return null;
    } else {
      text = defaultText;
      origin = "default";
    }
    try {
      T parsed = parser.parse(text);
      shared.effective.put(full, (secret && !text.isEmpty() ? MASK : text) + "  (" + origin + ")");
      return parsed;
    } catch (RuntimeException e) {
      String shown = secret ? MASK : text;
      shared.problems.add(full + ": '" + shown + "' (from " + origin + ") is not allowed; allowed: " + allowed);
      shared.effective.put(full, shown + "  (" + origin + ", INVALID)");
      return defaultText == null || defaultText.equals(text) ? null : safeDefault(parser, defaultText);
    }
  }

  private static <T> T safeDefault(Parser<T> parser, String defaultText) {
    try {
      return parser.parse(defaultText);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private void declare(KeySpec spec) {
    shared.specs.putIfAbsent(spec.key(), spec);
  }

  private String suggestion(String key) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String known : shared.specs.keySet()) {
      int d = distance(key.toLowerCase(Locale.ROOT), known.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = known;
      }
    }
    return best != null && bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /** Parses a duration as {@link #duration} reads it; IllegalArgumentException when it is not one. */
  public static Duration parseDuration(String text) {
    String trimmed = text.trim();
    Duration value;
    Matcher m = DURATION.matcher(trimmed);
    if (m.matches()) {
      long amount = Long.parseLong(m.group(1));
      value = switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      };
    } else {
      try {
        value = Duration.parse(trimmed);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(e);
      }
    }
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException();
    }
    return value;
  }

  /** The shortest of ms/s/m/h that states {@code value} exactly, as a duration key is written. */
  public static String format(Duration value) {
    long millis = value.toMillis();
    if (millis == 0) {
      return "0s";
    }
    if (millis % 3_600_000 == 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1000 == 0) {
      return millis / 1000 + "s";
    }
    return millis + "ms";
  }

  private static List<String> parseList(String text) {
    if (text.isBlank()) {
      return List.of();
    }
    List<String> items = Arrays.stream(text.split(",")).map(String::trim).toList();
    if (items.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException();
    }
    return items;
  }

  static String name(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  @FunctionalInterface
  private interface Parser<T> {
    T parse(String text);
  }
}
