package io.mrgc.agent.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mrgc.agent.batch.Admission;
import io.mrgc.agent.model.ModelLoadTimings;
import io.mrgc.carwash.WashRecordOutbox;
import io.mrgc.carwash.WashReport;
import io.mrgc.state.InstanceState;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The agent's own Prometheus registry (one per agent, so several agents in one JVM under {@code mrgc up} keep
 * separate figures). Labels are bounded: a fixed endpoint name and the status code, never paths or ids. The scrub
 * after every request: {@code mrgc_wash_duration_seconds} (with quantiles) and
 * {@code mrgc_wash_total{result="passed|failed|timed_out"}} (success rate = passed / all); the wash between tenants:
 * {@code mrgc_wash_tenant_duration_seconds} and {@code mrgc_wash_tenant_total{result}}; the background rounds:
 * {@code mrgc_wash_background_duration_seconds}; and {@code mrgc_instance_quarantined} (1 while QUARANTINED).
 */
public final class AgentMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  /** The agent's registry (EMF lines in AWS are made from it). */
  public io.micrometer.core.instrument.MeterRegistry registry() {
    return registry;
  }
  private final DistributionSummary batchSizes;
  private final Timer washDuration;
  private final Timer tenantWashDuration;
  private final Timer backgroundDuration;
  private final Timer modelLoad;
  private final Timer modelRead;
  private final Timer modelVerify;
  private final Timer modelSession;
  private final Timer modelWarmUp;
  private final Counter modelRefused;

  public AgentMetrics(Admission admission) {
    batchSizes = DistributionSummary.builder("mrgc.agent.batch.size")
        .description("inputs per ONNX Runtime session run")
        .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256)
        .register(registry);
    Gauge.builder("mrgc.agent.queue.depth", admission, Admission::queueDepth)
        .description("admitted requests waiting for a model worker").register(registry);
    Gauge.builder("mrgc.agent.in.flight", admission, Admission::inFlight)
        .description("requests being computed").register(registry);
    Gauge.builder("mrgc.agent.latency.ewma", admission, Admission::latencyEwmaMs)
        .baseUnit("milliseconds").description("EWMA of admitted request latency").register(registry);
    Gauge.builder("mrgc.agent.health", admission, Admission::health)
        .description("health score 0..100 reported in heartbeats").register(registry);
    modelLoad = Timer.builder("mrgc.agent.model.load").description("loading one model from the model repository "
        + "(the FSx mount in AWS) into ONNX Runtime, its integrity manifest checked").register(registry);
    modelRead = Timer.builder("mrgc.agent.model.load.read").description("a model load's read of its files from the "
        + "model store, each once").register(registry);
    modelVerify = Timer.builder("mrgc.agent.model.load.verify").description("a model load's check of the bytes read "
        + "against the manifest (and its config)").register(registry);
    modelSession = Timer.builder("mrgc.agent.model.load.session").description("a model load's ONNX Runtime session "
        + "(and tokenizer) creation from the bytes in memory").register(registry);
    modelWarmUp = Timer.builder("mrgc.agent.model.load.warmup").description("a model load's warm-up run")
        .register(registry);
    modelRefused = Counter.builder("mrgc.agent.model.load.refused").description("model versions refused at load "
        + "(manifest, files, config, session or memory budget); each refusal counted once").register(registry);
    washDuration = Timer.builder("mrgc.wash.duration").description("the scrub of each request's buffers, before "
        + "its answer").publishPercentiles(0.5, 0.9, 0.99).register(registry);
    tenantWashDuration = Timer.builder("mrgc.wash.tenant.duration").description("the full wash between two "
        + "tenants' turns").publishPercentiles(0.5, 0.9, 0.99).register(registry);
    backgroundDuration = Timer.builder("mrgc.wash.background.duration").description("one round of the "
        + "request-independent checks (integrity slice, GPU health, enclave ping), beside the work")
        .publishPercentiles(0.5, 0.99).register(registry);
    for (WashReport.Outcome outcome : WashReport.Outcome.values()) {
      washCounter(outcome); // every result present from the start, so rates never miss a series
    }
  }

  /** One model loaded (at start, or when the registry gives a new version), by part. */
  public void modelLoaded(ModelLoadTimings timings) {
    modelLoad.record(timings.totalNanos(), TimeUnit.NANOSECONDS);
    modelRead.record(timings.readNanos(), TimeUnit.NANOSECONDS);
    modelVerify.record(timings.verifyNanos(), TimeUnit.NANOSECONDS);
    modelSession.record(timings.sessionNanos(), TimeUnit.NANOSECONDS);
    modelWarmUp.record(timings.warmUpNanos(), TimeUnit.NANOSECONDS);
  }

  /** One model version refused at load. */
  public void modelRefused() {
    modelRefused.increment();
  }

  /** The bytes the served models count against {@code models.memoryBudget}, and the budget. */
  public void modelMemory(Supplier<Long> usedBytes, long budgetBytes) {
    Gauge.builder("mrgc.agent.model.memory.used", () -> usedBytes.get()).baseUnit("bytes")
        .description("bytes of the served models' files, counted against models.memoryBudget").register(registry);
    Gauge.builder("mrgc.agent.model.memory.budget", () -> budgetBytes).baseUnit("bytes")
        .description("models.memoryBudget").register(registry);
  }

  /** One per-request scrub. */
  public void wash(WashReport report) {
    washDuration.record(report.totalNanos(), TimeUnit.NANOSECONDS);
    washCounter(report.outcome()).increment();
  }

  /** One wash between tenants. */
  public void tenantWash(WashReport report) {
    tenantWashDuration.record(report.totalNanos(), TimeUnit.NANOSECONDS);
    registry.counter("mrgc.wash.tenant", "result", report.outcome().name().toLowerCase(Locale.ROOT)).increment();
  }

  /** One background round (any thread). */
  public void backgroundRound(WashReport report) {
    backgroundDuration.record(report.totalNanos(), TimeUnit.NANOSECONDS);
  }

  private io.micrometer.core.instrument.Counter washCounter(WashReport.Outcome outcome) {
    return registry.counter("mrgc.wash", "result", outcome.name().toLowerCase(Locale.ROOT));
  }

  /** Exposes whether the instance is QUARANTINED. */
  public void instanceState(Supplier<InstanceState> state) {
    Gauge.builder("mrgc.instance.quarantined", () -> state.get() == InstanceState.QUARANTINED ? 1 : 0)
        .description("1 while the instance is QUARANTINED").register(registry);
  }

  /**
   * cleanup_validation rows: {@code mrgc_wash_records_pending} (waiting for DynamoDB, in memory or spilled) and
   * {@code mrgc_wash_records_unrecorded_total} (rows lost beyond both bounds: a wash with no record).
   */
  public void washRecords(WashRecordOutbox records) {
    Gauge.builder("mrgc.wash.records.pending", records, WashRecordOutbox::pending)
        .description("cleanup_validation rows waiting to be written").register(registry);
    FunctionCounter.builder("mrgc.wash.records.unrecorded", records, WashRecordOutbox::unrecorded)
        .description("cleanup_validation rows that could not be kept for a retry").register(registry);
    FunctionCounter.builder("mrgc.wash.records.failed.writes", records, WashRecordOutbox::failedWrites)
        .description("cleanup_validation writes that failed and were retried").register(registry);
  }

  public void request(String endpoint, int status) {
    registry.counter("mrgc.agent.http.requests", "endpoint", endpoint, "status", Integer.toString(status)).increment();
  }

  public void batch(int size) {
    batchSizes.record(size);
  }

  public String scrape() {
    return registry.scrape();
  }
}
