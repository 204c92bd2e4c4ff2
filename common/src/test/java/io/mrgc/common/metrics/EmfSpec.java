package io.mrgc.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules of "Specification: Embedded metric format" (Amazon CloudWatch user guide, with its JSON schema) as
 * assertions on one log line. Quoted rule by rule; the numbers are the spec's.
 */
final class EmfSpec {
  /** The schema's MetricUnit pattern: valid CloudWatch units. */
  private static final Pattern UNIT = Pattern.compile("Seconds|Microseconds|Milliseconds|Bytes|Kilobytes|Megabytes"
      + "|Gigabytes|Terabytes|Bits|Kilobits|Megabits|Gigabits|Terabits|Percent|Count|Bytes/Second|Kilobytes/Second"
      + "|Megabytes/Second|Gigabytes/Second|Terabytes/Second|Bits/Second|Kilobits/Second|Megabits/Second"
      + "|Gigabits/Second|Terabits/Second|Count/Second|None");
  /** CloudWatch's namespace rule (PutMetricData; the library's Validator): at most 256 of these characters. */
  private static final Pattern NAMESPACE = Pattern.compile("[a-zA-Z0-9._#:/-]{1,256}");
  /** Jackson rejects NaN and Infinity by default (they are not JSON numbers) and, here, anything after the object. */
  private static final ObjectReader STRICT = new ObjectMapper().readerFor(JsonNode.class)
      .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private EmfSpec() {}

  /** Asserts the line is a valid EMF document and returns it parsed. */
  static JsonNode check(String line) throws Exception {
    // "The embedded metric format is subject to the same limits as standard CloudWatch Logs events": 256 KB.
    assertThat(line.getBytes(StandardCharsets.UTF_8).length).as("event size").isLessThanOrEqualTo(256 * 1024);
    // "The LogEvent message MUST be a valid JSON object with no additional data at the beginning or end."
    assertThat(line).as("no data around the object").startsWith("{").endsWith("}");
    JsonNode root = STRICT.readValue(line);
    assertThat(root.isObject()).as("root node is an object").isTrue();
    // "Embedded metric format documents MUST contain the following top-level member on the root node": _aws, an object
    JsonNode aws = root.get("_aws");
    assertThat(aws).as("_aws").isNotNull();
    assertThat(aws.isObject()).as("_aws is an object").isTrue();
    // "Timestamp: A number ... the number of milliseconds after Jan 1, 1970"; the schema: integer, required.
    JsonNode timestamp = aws.get("Timestamp");
    assertThat(timestamp).as("_aws.Timestamp").isNotNull();
    assertThat(timestamp.isIntegralNumber()).as("_aws.Timestamp is an integer").isTrue();
    assertThat(timestamp.asLong()).as("epoch milliseconds, not seconds").isBetween(1_500_000_000_000L,
        4_000_000_000_000L);
    // "CloudWatchMetrics: An array of MetricDirective objects"; required.
    JsonNode directives = aws.get("CloudWatchMetrics");
    assertThat(directives).as("_aws.CloudWatchMetrics").isNotNull();
    assertThat(directives.isArray()).as("CloudWatchMetrics is an array").isTrue();
    assertThat(directives.size()).as("directives").isPositive();
    for (JsonNode directive : directives) {
      checkDirective(root, directive);
    }
    return root;
  }

  private static void checkDirective(JsonNode root, JsonNode directive) {
    // "Unless otherwise noted, objects defined by this specification MUST NOT contain any additional members."
    assertThat(names(directive)).as("MetricDirective members").isSubsetOf("Namespace", "Dimensions", "Metrics");
    // "Namespace: A string"; the schema: 1 to 1024 characters; CloudWatch: 256 of a-zA-Z0-9._#:/-.
    JsonNode namespace = directive.get("Namespace");
    assertThat(namespace != null && namespace.isTextual()).as("Namespace is a string").isTrue();
    assertThat(namespace.asText()).matches(NAMESPACE);
    // "Dimensions: A DimensionSet array"; the schema: at least one DimensionSet.
    JsonNode dimensions = directive.get("Dimensions");
    assertThat(dimensions != null && dimensions.isArray()).as("Dimensions is an array").isTrue();
    assertThat(dimensions.size()).as("DimensionSets").isPositive();
    for (JsonNode set : dimensions) {
      assertThat(set.isArray()).as("a DimensionSet is an array of strings").isTrue();
      // "A DimensionSet MUST NOT contain more than 30 dimension keys."
      assertThat(set.size()).as("dimension keys in a set").isLessThanOrEqualTo(30);
      for (JsonNode key : set) {
        assertThat(key.isTextual()).as("a dimension key is a string").isTrue();
        assertThat(key.asText().length()).as("dimension key length").isBetween(1, 250);
        // "The values within this array MUST also be members on the root-node"; "The target member MUST have a
        // string value. This value MUST NOT contain more than 1024 characters."
        JsonNode target = root.get(key.asText());
        assertThat(target).as("dimension target " + key.asText()).isNotNull();
        assertThat(target.isTextual()).as("dimension target " + key.asText() + " is a string").isTrue();
        assertThat(target.asText().length()).as("dimension value length").isBetween(1, 1024);
      }
    }
    // "Metrics: An array of MetricDefinition objects. This array MUST NOT contain more than 100."
    JsonNode metrics = directive.get("Metrics");
    assertThat(metrics != null && metrics.isArray()).as("Metrics is an array").isTrue();
    assertThat(metrics.size()).as("MetricDefinitions in a directive").isBetween(1, 100);
    for (JsonNode metric : metrics) {
      checkMetric(root, metric);
    }
  }

  private static void checkMetric(JsonNode root, JsonNode metric) {
    assertThat(names(metric)).as("MetricDefinition members").isSubsetOf("Name", "Unit", "StorageResolution");
    // "Name: A string reference value to a metric target member"; the schema: 1 to 1024 characters.
    JsonNode name = metric.get("Name");
    assertThat(name != null && name.isTextual()).as("Name is a string").isTrue();
    assertThat(name.asText().length()).as("metric name length").isBetween(1, 1024);
    // "Unit: ... Values SHOULD be valid CloudWatch metric units."
    JsonNode unit = metric.get("Unit");
    if (unit != null) {
      assertThat(unit.isTextual()).as("Unit is a string").isTrue();
      assertThat(unit.asText()).as("unit of " + name.asText()).matches(UNIT);
    }
    // "StorageResolution: ... 1 or 60."
    JsonNode resolution = metric.get("StorageResolution");
    if (resolution != null) {
      assertThat(resolution.asInt()).isIn(1, 60);
    }
    // "Valid targets MUST be members on the root node and cannot be nested objects"; "A metric target MUST be a
    // numeric value or an array of numeric values. Numeric array metric targets MUST NOT have more than 100 members."
    JsonNode target = root.get(name.asText());
    assertThat(target).as("metric target " + name.asText()).isNotNull();
    if (target.isArray()) {
      assertThat(target.size()).as("values of " + name.asText()).isBetween(1, 100);
      target.forEach(v -> assertThat(v.isNumber()).as("a value of " + name.asText() + " is a number").isTrue());
    } else {
      assertThat(target.isNumber()).as("metric target " + name.asText() + " is a number").isTrue();
    }
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** The metric names the line's directives declare. */
  static Set<String> metricNames(JsonNode root) {
    Set<String> names = new java.util.TreeSet<>();
    root.get("_aws").get("CloudWatchMetrics")
        .forEach(d -> d.get("Metrics").forEach(m -> names.add(m.get("Name").asText())));
    return names;
  }
}
