package io.mrgc.cluster.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mrgc.router.RouterVerticle;
import io.mrgc.state.Tables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Ties terraform to the code: the tables terraform makes are {@link Tables#ALL}; the health checks look where the
 * routers answer; every {@code MRGC_} variable terraform sets is a documented configuration key. Reads the files as
 * the offline checker parsed them ({@code terraform/tools/check/run} writes {@code .out/terraform.json}; .ci/run runs
 * it before the tests).
 */
class TerraformTiesTest {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final Path DUMP = REPO.resolve("terraform/tools/check/.out/terraform.json");
  /**
   * What terraform hands a service as an environment variable: any MRGC_ name, an upper-case map key with an
   * underscore (the task definitions' environment maps; also a shell variable set in user data) and the name of a
   * task definition's secret or variable ({@code name = "X"}).
   */
  private static final Pattern ENV_NAME = Pattern.compile(
      "\\bMRGC_[A-Z0-9_]+\\b|(?m)^\\s+([A-Z][A-Z0-9]*_[A-Z0-9_]+)\\s*=|\\bname\\s*=\\s*\"([A-Z][A-Z0-9_]{2,})\"");
  /** The images' own variables (docs/containers.md): the entry point's JVM options and the health check's URL. */
  private static final Set<String> IMAGE_VARIABLES = Set.of("MRGC_JAVA_OPTS", "MRGC_HEALTHCHECK_URL");
  private static JsonNode modules;

  @BeforeAll
  static void load() throws IOException {
    if (!Files.exists(DUMP)) {
      String why = DUMP + " is missing: run terraform/tools/check/run first";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException("CI must tie terraform to the code, but " + why);
      }
      org.junit.jupiter.api.Assumptions.abort("skipped: " + why);
    }
    modules = new ObjectMapper().readTree(DUMP.toFile());
  }

  @Test
  void theTablesTerraformMakesAreTheCodesTables() {
    JsonNode locals = local("terraform/modules/global_state", "global_tables");
    JsonNode regional = local("terraform/modules/global_state", "regional_tables");
    Map<String, String> terraform = new TreeMap<>();
    locals.fields().forEachRemaining(e -> terraform.put(e.getKey(), describe(e.getValue())));
    regional.fields().forEachRemaining(e -> terraform.put(e.getKey(), describe(e.getValue())));
    Map<String, String> code = new TreeMap<>();
    for (Tables.TableSpec spec : Tables.ALL) {
      code.put(spec.name(), describe(spec));
    }
    assertThat(terraform).as("terraform's tables (keys, types, indexes, TTL) against Tables.ALL").isEqualTo(code);
    assertThat(regional.fieldNames()).toIterable().as("regional, not global").containsExactly(Tables.RATE_LIMITS);
    Map<String, String> classes = new TreeMap<>();
    locals.fields().forEachRemaining(e -> classes.put(e.getKey(), e.getValue().path("class").asText()));
    // Strong consistency where a stale read would break the design: the dials and failover rows, and the
    // autoscaling leases and overrides (docs/state.md).
    assertThat(classes).containsEntry(Tables.ROUTING_STATE, "MRSC").containsEntry(Tables.AUTOSCALING_STATE, "MRSC")
        .containsEntry(Tables.GPU_INSTANCES, "MREC").containsEntry(Tables.METRICS, "MREC")
        .containsEntry(Tables.CLEANUP_VALIDATION, "MREC").containsEntry(Tables.TENANTS, "MREC");
  }

  @Test
  void healthChecksLookWhereTheRoutersAnswer() {
    assertThat(variableDefault("terraform/modules/edge", "health_check_path"))
        .as("Global Accelerator's path").isEqualTo(RouterVerticle.HEALTHZ_REGION);
    Map<String, String> paths = variableDefaults("health_check_path");
    assertThat(paths.values()).as("every health check path in terraform: %s", paths)
        .allMatch(p -> p.equals(RouterVerticle.HEALTHZ_REGION) || p.equals(RouterVerticle.READYZ));
    // One admin port everywhere: where the routers' admin listener binds (MRGC_ADMIN_PORT) and where every health
    // check looks.
    Map<String, String> ports = variableDefaults("admin_port");
    ports.putAll(variableDefaults("health_check_port"));
    assertThat(ports).as("admin and health check ports").isNotEmpty();
    assertThat(Set.copyOf(ports.values())).as("admin and health check ports: %s", ports).hasSize(1);
  }

  @Test
  void everyEnvironmentVariableTerraformSetsIsADocumentedConfigKey() throws IOException {
    Set<String> documented = new TreeSet<>(IMAGE_VARIABLES);
    Matcher keys = Pattern.compile("(?m)^\\| `[^`]+` \\| `(MRGC_[A-Z0-9_]+)` \\|")
        .matcher(Files.readString(REPO.resolve("docs/config.md")));
    while (keys.find()) {
      documented.add(keys.group(1));
    }
    assertThat(documented).as("documented keys read from docs/config.md").hasSizeGreaterThan(100);
    String containers = Files.readString(REPO.resolve("docs/containers.md"));
    assertThat(IMAGE_VARIABLES).allMatch(containers::contains);

    Map<String, Set<String>> undocumented = new TreeMap<>();
    List<Path> files = new ArrayList<>();
    try (Stream<Path> all = Files.walk(REPO.resolve("terraform"))) {
      all.filter(p -> !p.toString().contains("node_modules") && !p.toString().contains("/tools/"))
          .filter(p -> p.toString().endsWith(".tf") || p.toString().endsWith(".tftpl")).forEach(files::add);
    }
    assertThat(files).as("terraform files").hasSizeGreaterThan(10);
    for (Path file : files) {
      Matcher names = ENV_NAME.matcher(Files.readString(file));
      while (names.find()) {
        String name = names.group(1) != null ? names.group(1) : names.group(2) != null ? names.group(2) : names.group();
        if (!documented.contains(name)) {
          undocumented.computeIfAbsent(REPO.relativize(file).toString(), f -> new TreeSet<>()).add(name);
        }
      }
    }
    assertThat(undocumented).as("environment variables terraform sets that docs/config.md does not document")
        .isEmpty();
  }

  private static String describe(JsonNode table) {
    List<String> indexes = new ArrayList<>();
    table.path("indexes").forEach(i -> indexes.add(i.path("name").asText() + "(" + key(i.path("hash_key")) + ","
        + key(i.path("range_key")) + ")"));
    indexes.sort(null);
    return key(table.path("hash_key")) + "," + key(table.path("range_key")) + " " + indexes + " ttl="
        + (table.path("ttl").isNull() ? "none" : table.path("ttl").asText("none"));
  }

  private static String key(JsonNode key) {
    return key.isMissingNode() || key.isNull() ? "-" : key.path("name").asText() + ":" + key.path("type").asText();
  }

  private static String describe(Tables.TableSpec spec) {
    List<String> indexes = new ArrayList<>();
    spec.indexes().forEach(i -> indexes.add(i.name() + "(" + key(i.partitionKey()) + "," + key(i.sortKey()) + ")"));
    indexes.sort(null);
    return key(spec.partitionKey()) + "," + key(spec.sortKey()) + " " + indexes + " ttl="
        + (spec.ttlAttribute() == null ? "none" : spec.ttlAttribute());
  }

  private static String key(Tables.Key key) {
    return key == null ? "-" : key.attribute() + ":" + key.type().toString();
  }

  /** A module's {@code locals} entry (over every file of the module). */
  private static JsonNode local(String module, String name) {
    for (JsonNode file : iterable(modules.path(module))) {
      for (JsonNode block : iterable(file.path("locals"))) {
        if (block.has(name)) {
          return block.get(name);
        }
      }
    }
    throw new AssertionError("no local." + name + " in " + module);
  }

  private static String variableDefault(String module, String name) {
    for (JsonNode file : iterable(modules.path(module))) {
      JsonNode variable = file.path("variable").path(name);
      if (!variable.isMissingNode()) {
        return variable.path(0).path("default").asText(null);
      }
    }
    throw new AssertionError("no variable " + name + " in " + module);
  }

  /** The default of every variable called {@code name} in any module, module -> default. */
  private static Map<String, String> variableDefaults(String name) {
    Map<String, String> defaults = new TreeMap<>();
    modules.fields().forEachRemaining(module -> iterable(module.getValue()).forEach(file -> {
      JsonNode variable = file.path("variable").path(name);
      if (!variable.isMissingNode() && variable.path(0).has("default")) {
        defaults.put(module.getKey(), variable.path(0).path("default").asText());
      }
    }));
    return defaults;
  }

  private static Iterable<JsonNode> iterable(JsonNode node) {
    return node::elements;
  }
}
