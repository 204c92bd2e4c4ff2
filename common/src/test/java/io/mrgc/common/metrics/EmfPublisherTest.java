package io.mrgc.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EmfPublisherTest {
  /** EMF takes timestamps from 14 days back to 2 hours ahead only: a fixed clock at the time the test runs. */
  private static final Instant NOW = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
  /** The services' registry (its timers keep cumulative histograms, which {@code .P95} reads). */
  private final MeterRegistry registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
      io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
  private final EmfOptions options = EmfOptions.of("router", "us-east-1")
      .withOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
  private final EmfPublisher publisher =
      EmfPublisher.unscheduled(registry, options, Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void everyLineFollowsTheEmfSpecification() throws Exception {
    Counter.builder("mrgc.router.requests").tag("status_class", "2xx").register(registry).increment(3);
    Timer.builder("mrgc.router.request.duration").register(registry).record(Duration.ofMillis(12));
    DistributionSummary.builder("mrgc.agent.batch.size").register(registry).record(4);
    Gauge.builder("mrgc.router.queue.depth", () -> 2).register(registry);
    Gauge.builder("mrgc.failover.state", () -> 1).tag("region", "us-west-2").register(registry);
    for (int i = 0; i < 150; i++) { // more metrics than one directive may hold
      Counter.builder("mrgc.test.many" + i).register(registry).increment();
    }

    List<JsonNode> lines = flush();

    assertThat(lines).hasSizeGreaterThanOrEqualTo(3); // 158 metrics in us-east-1 need two events, us-west-2 one
    List<String> names = new ArrayList<>();
    for (JsonNode line : lines) {
      assertThat(line.get("_aws").get("Timestamp").asLong()).isEqualTo(NOW.toEpochMilli());
      JsonNode directive = line.get("_aws").get("CloudWatchMetrics").get(0);
      assertThat(directive.get("Namespace").asText()).isEqualTo("MRGC");
      assertThat(directive.get("Dimensions").toString()).isEqualTo("[[\"Service\",\"Region\"]]");
      assertThat(line.get("Service").asText()).isEqualTo("router");
      names.addAll(EmfSpec.metricNames(line));
    }
    assertThat(names).doesNotHaveDuplicates().hasSize(150 + 9).contains("RouterRequests.2xx",
        "RouterRequestDuration.Count", "RouterRequestDuration.Sum", "RouterRequestDuration.Max", "AgentBatchSize.Count",
        "RouterQueueDepth", "FailoverState");
  }

  @Test
  void countersReportTheIncreaseSinceTheLastFlush() throws Exception {
    Counter retries = Counter.builder("mrgc.router.retries").register(registry);
    retries.increment(7); // registered after the publisher started: all 7 happened in this interval
    assertThat(value(flush(), "RouterRetries")).isEqualTo(7);
    assertThat(value(flush(), "RouterRetries")).as("nothing happened: a zero, not a gap").isZero();
    retries.increment(2);
    assertThat(value(flush(), "RouterRetries")).isEqualTo(2);
    assertThat(unit(flush(), "RouterRetries")).isEqualTo("Count");
  }

  @Test
  void countsFromBeforeThePublisherStartedAreNotReported() throws Exception {
    Counter early = registry.counter("mrgc.router.retries");
    early.increment(100);
    EmfPublisher late = EmfPublisher.unscheduled(registry, options, Clock.fixed(NOW, ZoneOffset.UTC));
    early.increment();
    buffer.reset();
    late.flush();
    assertThat(value(lines(), "RouterRetries")).isEqualTo(1);
  }

  @Test
  void aCounterRegisteredAgainAfterRemovalCountsFromZero() throws Exception {
    Counter first = registry.counter("mrgc.router.dispatches", "instance", "i-1");
    first.increment(5);
    flush();
    registry.remove(first);
    registry.counter("mrgc.router.dispatches", "instance", "i-1").increment(1);
    assertThat(value(flush(), "RouterDispatches")).isEqualTo(1);
  }

  @Test
  void timersReportCountSumAndMaxInMilliseconds() throws Exception {
    Timer timer = Timer.builder("mrgc.router.upstream.latency").register(registry);
    timer.record(Duration.ofMillis(10));
    timer.record(Duration.ofMillis(30));
    List<JsonNode> lines = flush();
    assertThat(value(lines, "RouterUpstreamLatency.Count")).isEqualTo(2);
    assertThat(unit(lines, "RouterUpstreamLatency.Count")).isEqualTo("Count");
    assertThat(value(lines, "RouterUpstreamLatency.Sum")).isEqualTo(40);
    assertThat(unit(lines, "RouterUpstreamLatency.Sum")).isEqualTo("Milliseconds");
    assertThat(value(lines, "RouterUpstreamLatency.Max")).isEqualTo(30);

    List<JsonNode> quiet = flush();
    assertThat(value(quiet, "RouterUpstreamLatency.Count")).isZero();
    assertThat(value(quiet, "RouterUpstreamLatency.Sum")).isZero();
    assertThat(EmfSpec.metricNames(quiet.get(0))).as("no samples, no max").doesNotContain("RouterUpstreamLatency.Max");
  }

  @Test
  void timersWithAHistogramReportTheIntervalsP95AsItsBucketsUpperBound() throws Exception {
    Timer timer = Timer.builder("mrgc.router.request.duration").publishPercentileHistogram()
        .maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
    for (int i = 0; i < 95; i++) {
      timer.record(Duration.ofMillis(10));
    }
    for (int i = 0; i < 5; i++) {
      timer.record(Duration.ofMillis(2_000));
    }
    double first = value(flush(), "RouterRequestDuration.P95");
    assertThat(first).as("the bucket holding 10 ms").isBetween(10.0, 12.0);

    // The next interval only: its slow requests, not the earlier fast ones, make its p95.
    for (int i = 0; i < 20; i++) {
      timer.record(Duration.ofMillis(2_000));
    }
    assertThat(value(flush(), "RouterRequestDuration.P95")).as("the bucket holding 2 s").isBetween(2_000.0, 2_400.0);
    assertThat(EmfSpec.metricNames(flush().get(0))).as("no samples, no p95")
        .doesNotContain("RouterRequestDuration.P95");
  }

  @Test
  void droppedTagsAreAggregatedAndNameTagsNameTheMetric() throws Exception {
    registry.counter("mrgc.router.dispatches", "instance", "i-0aaa").increment(1);
    registry.counter("mrgc.router.dispatches", "instance", "i-0bbb").increment(2);
    registry.counter("mrgc.router.requests", "status_class", "2xx").increment(4);
    registry.counter("mrgc.router.requests", "status_class", "5xx").increment(1);
    Gauge.builder("mrgc.agent.queue.depth", () -> 3).tag("model", "a").register(registry);
    Gauge.builder("mrgc.agent.queue.depth", () -> 4).tag("model", "b").register(registry);

    List<JsonNode> lines = flush();

    assertThat(value(lines, "RouterDispatches")).isEqualTo(3);
    assertThat(value(lines, "RouterRequests.2xx")).isEqualTo(4);
    assertThat(value(lines, "RouterRequests.5xx")).isEqualTo(1);
    assertThat(value(lines, "AgentQueueDepth")).as("gauges differing in dropped tags add up").isEqualTo(7);
    assertThat(lines.toString()).doesNotContain("i-0aaa", "instance", "model");
  }

  @Test
  void aMetersRegionTagIsItsRegionDimension() throws Exception {
    Gauge.builder("mrgc.failover.state", () -> 2).tags("region", "us-east-2", "controller_region", "us-east-1")
        .register(registry);
    Gauge.builder("mrgc.failover.state", () -> 0).tags("region", "us-east-1", "controller_region", "us-east-1")
        .register(registry);

    List<JsonNode> lines = flush();

    assertThat(lines).hasSize(2);
    for (JsonNode line : lines) {
      double expected = line.get("Region").asText().equals("us-east-2") ? 2 : 0;
      assertThat(line.get("FailoverState").asDouble()).isEqualTo(expected);
    }
    assertThat(lines).extracting(l -> l.get("Region").asText()).containsExactly("us-east-1", "us-east-2");
  }

  @Test
  void unitsFollowTheMetersAndUnknownValuesAreLeftOut() throws Exception {
    Gauge.builder("mrgc.router.body.buffered.bytes", () -> 512).register(registry);
    Gauge.builder("mrgc.router.snapshot.age.seconds", () -> 1.5).register(registry);
    Gauge.builder("mrgc.agent.latency.ewma", () -> 8).baseUnit("milliseconds").register(registry);
    Gauge.builder("mrgc.failover.dial.applied.percent", () -> Double.NaN).register(registry);
    Gauge.builder("mrgc.agent.health", () -> Double.POSITIVE_INFINITY).register(registry);
    DistributionSummary.builder("mrgc.router.body.size").baseUnit("bytes").register(registry).record(100);
    Timer.builder("mrgc.wash.duration").publishPercentiles(0.5, 0.99).register(registry).record(Duration.ofMillis(4));
    AtomicLong unrecorded = new AtomicLong(3);
    FunctionCounter.builder("mrgc.wash.records.unrecorded", unrecorded, AtomicLong::get).register(registry);

    List<JsonNode> lines = flush();

    assertThat(unit(lines, "RouterBodyBufferedBytes")).isEqualTo("Bytes");
    assertThat(unit(lines, "RouterSnapshotAgeSeconds")).isEqualTo("Seconds");
    assertThat(unit(lines, "AgentLatencyEwma")).isEqualTo("Milliseconds");
    assertThat(unit(lines, "RouterBodySize.Sum")).isEqualTo("Bytes");
    assertThat(value(lines, "WashRecordsUnrecorded")).isEqualTo(3);
    assertThat(EmfSpec.metricNames(lines.get(0))).doesNotContain("FailoverDialAppliedPercent", "AgentHealth")
        .as("no percentile gauges derived from the timer").noneMatch(name -> name.contains("Percentile"))
        .contains("WashDuration.Count");
  }

  @Test
  void anInstanceIdDimensionIsWrittenForAgents() throws Exception {
    ByteArrayOutputStream agentBuffer = new ByteArrayOutputStream();
    EmfOptions agent = EmfOptions.of("agent", "us-west-2").withInstanceId("i-0123456789abcdef0")
        .withOut(new PrintStream(agentBuffer, true, StandardCharsets.UTF_8));
    registry.counter("mrgc.wash", "result", "passed").increment();
    EmfPublisher.unscheduled(registry, agent, Clock.fixed(NOW, ZoneOffset.UTC)).flush();

    JsonNode line = EmfSpec.check(agentBuffer.toString(StandardCharsets.UTF_8).strip());
    assertThat(line.get("_aws").get("CloudWatchMetrics").get(0).get("Dimensions").toString())
        .isEqualTo("[[\"Service\",\"Region\",\"InstanceId\"]]");
    assertThat(line.get("InstanceId").asText()).isEqualTo("i-0123456789abcdef0");
  }

  @Test
  void aScheduledPublisherWritesEveryIntervalAndItsLastIntervalOnClose() throws Exception {
    Counter counter = registry.counter("mrgc.router.retries");
    EmfPublisher scheduled = EmfPublisher.start(registry, options.withInterval(Duration.ofSeconds(1)));
    counter.increment(2);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (buffer.size() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(lines()).as("a flush within the interval").isNotEmpty();
    counter.increment(5);
    buffer.reset();

    scheduled.close();

    List<JsonNode> last = lines();
    assertThat(last).hasSize(1);
    assertThat(value(last, "RouterRetries")).isEqualTo(5);
    Instant timestamp = Instant.ofEpochMilli(last.get(0).get("_aws").get("Timestamp").asLong());
    assertThat(timestamp).isBetween(Instant.now().minusSeconds(60), Instant.now());
    buffer.reset();
    scheduled.flush();
    assertThat(buffer.size()).as("nothing after close").isZero();
  }

  private List<JsonNode> flush() throws Exception {
    buffer.reset();
    publisher.flush();
    return lines();
  }

  /** The buffer's lines, each checked against the EMF specification. */
  private List<JsonNode> lines() throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : buffer.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isEmpty()) {
        lines.add(EmfSpec.check(line));
      }
    }
    return lines;
  }

  private static double value(List<JsonNode> lines, String name) {
    return lines.stream().filter(l -> l.has(name)).findFirst().orElseThrow(() -> new AssertionError(name + " in "
        + lines)).get(name).asDouble();
  }

  private static String unit(List<JsonNode> lines, String name) {
    for (JsonNode line : lines) {
      for (JsonNode directive : line.get("_aws").get("CloudWatchMetrics")) {
        for (JsonNode metric : directive.get("Metrics")) {
          if (metric.get("Name").asText().equals(name)) {
            return metric.path("Unit").asText("None");
          }
        }
      }
    }
    throw new AssertionError(name + " in " + lines);
  }
}
