package io.mrgc.common.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;

/**
 * Writes one flush as EMF lines: values of the same metric name and Region (meters that differ only in dropped tags)
 * are combined, then one event per Region value, split by the library into events of at most 100 metrics.
 *
 * <p>Why aws-embedded-metrics and only its model: {@link MetricsContext} validates names, units, dimensions, the
 * namespace and the timestamp against the EMF rules, and serializes and splits events the way CloudWatch expects, so
 * we do not restate the spec. Its {@code MetricsLogger} is not used: it resolves an environment on first use (probes
 * ECS metadata over HTTP, or sends to a CloudWatch agent over TCP unless configured otherwise) and its console sink
 * writes only to {@code System.out}; here the lines go to the configured stream and nothing touches the network.
 */
final class EmfWriter {
  private final EmfOptions options;

  EmfWriter(EmfOptions options) {
    this.options = options;
  }

  void write(List<EmfDatum> data, Instant timestamp) {
    String ownRegion = options.dimensions().get(EmfOptions.REGION);
    Map<String, Map<String, EmfDatum>> byRegion = new TreeMap<>();
    for (EmfDatum datum : data) {
      String region = datum.region() == null ? ownRegion : datum.region();
      byRegion.computeIfAbsent(region, r -> new TreeMap<>()).merge(datum.name(), datum, EmfDatum::combine);
    }
    byRegion.forEach((region, metrics) -> event(region, metrics, timestamp));
    options.out().flush();
  }

  private void event(String region, Map<String, EmfDatum> metrics, Instant timestamp) {
    try {
      MetricsContext context = new MetricsContext();
      context.setNamespace(options.namespace());
      DimensionSet dimensions = new DimensionSet();
      options.dimensions().forEach((name, value) ->
          dimensions.addDimension(name, EmfOptions.REGION.equals(name) ? region : value));
      context.setDimensions(dimensions);
      context.setTimestamp(timestamp);
      metrics.values().forEach(m -> context.putMetric(m.name(), m.value(), m.unit()));
      for (String line : context.serialize()) {
        options.out().println(line);
      }
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot write the EMF event of region " + region, e);
    }
  }
}
