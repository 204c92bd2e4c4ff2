package io.mrgc.agent.wash;

import io.mrgc.agent.buffers.RequestBuffers;
import io.mrgc.carwash.CarWash;
import io.mrgc.carwash.StepReport;
import io.mrgc.carwash.WashContext;
import io.mrgc.carwash.WashRecordOutbox;
import io.mrgc.carwash.WashReport;
import io.mrgc.carwash.WashStep;
import io.mrgc.carwash.steps.BufferScrubStep;
import io.mrgc.carwash.steps.CleanStateStep;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs one instance's washes and records every one (a cleanup_validation row with the request id or a
 * {@code scheduled-} id, each step's timing and a TTL); the last {@value #KEPT} reports are kept in memory.
 *
 * <ul>
 *   <li>{@link #afterRequest}: the scrub of one request's buffers (zeroed, read back as zeros), before its answer
 *       is sent; microseconds, on the caller's thread;
 *   <li>{@link #betweenTenants}: the full wash before another tenant's first request (every pool scrubbed, a fresh
 *       background round, every pool verified clean), off the event loop;
 *   <li>{@link #instanceLevel}: enclave restart, scheduled full manifest check, release check; off the event loop.
 * </ul>
 */
public final class Washes implements AutoCloseable {
  static final int KEPT = 1_000;
  public static final String BETWEEN_TENANTS = "tenant-switch";

  private final Vertx vertx;
  private final CarWash betweenTenants;
  private final Duration instanceTimeLimit;
  private final WashRecordOutbox records;
  private final Consumer<WashReport> requestMetrics;
  private final Consumer<WashReport> switchMetrics;
  private final Deque<WashReport> recent = new ArrayDeque<>();
  private long requestWashes;
  private final Map<String, Long> washesByKind = new HashMap<>();

  /**
   * @param betweenTenantSteps buffer-scrub (every pool), background-checks (a fresh round), clean-state (every pool)
   * @param timeLimit the wash between tenants' time limit
   * @param instanceTimeLimit an instance-level wash's
   * @param requestMetrics told of every per-request scrub
   * @param switchMetrics told of every wash between tenants
   */
  public Washes(Vertx vertx, List<WashStep> betweenTenantSteps, Duration timeLimit, Duration instanceTimeLimit,
      WashRecordOutbox records, Consumer<WashReport> requestMetrics, Consumer<WashReport> switchMetrics) {
    this.vertx = vertx;
    this.betweenTenants = new CarWash(betweenTenantSteps, timeLimit);
    this.instanceTimeLimit = instanceTimeLimit;
    this.records = records;
    this.requestMetrics = requestMetrics;
    this.switchMetrics = switchMetrics;
  }

  /** The scrub after request {@code requestId}: its buffers zeroed, read back, released; FAILED if one is not zero. */
  public WashReport afterRequest(String requestId, RequestBuffers buffers) {
    long startedAt = System.currentTimeMillis();
    RequestBuffers.Scrubbed scrubbed = buffers.scrubAndRelease();
    StepReport zeroed = new StepReport(BufferScrubStep.NAME, scrubbed.zeroNanos(), StepReport.Outcome.PASSED,
        "zeroed " + scrubbed.buffers() + " buffer(s) of this request, " + scrubbed.bytes() + " bytes");
    StepReport verified = new StepReport(CleanStateStep.NAME, scrubbed.verifyNanos(),
        scrubbed.clean() ? StepReport.Outcome.PASSED : StepReport.Outcome.FAILED,
        scrubbed.clean() ? scrubbed.buffers() + " buffer(s) read back as zeros"
            : scrubbed.notZero() + " of " + scrubbed.buffers() + " buffer(s) not zero after the scrub");
    WashReport report = new WashReport(requestId, ++requestWashes, startedAt, System.currentTimeMillis(),
        List.of(zeroed, verified), scrubbed.zeroNanos() + scrubbed.verifyNanos(),
        scrubbed.clean() ? WashReport.Outcome.PASSED : WashReport.Outcome.FAILED);
    requestMetrics.accept(report);
    record(report);
    return report;
  }

  /** The full wash before another tenant's first request; never fails (a broken step is in the report). */
  public Future<WashReport> betweenTenants() {
    String id = scheduledId(BETWEEN_TENANTS);
    return vertx.executeBlocking(() -> betweenTenants.wash(id), false).onSuccess(report -> {
      switchMetrics.accept(report);
      record(report);
    });
  }

  /** An instance-level wash ({@code what}: e.g. {@code enclave-restart}), with no request; never fails. */
  public Future<WashReport> instanceLevel(String what, List<WashStep> steps) {
    String id = scheduledId(what);
    return vertx.executeBlocking(() -> {
      try (CarWash wash = new CarWash(steps, instanceTimeLimit)) {
        return wash.wash(id);
      }
    }, false).onSuccess(this::record);
  }

  /** {@code scheduled-<what>-<n>}, n counting washes of that kind on this instance (1, 2, ...). */
  private String scheduledId(String what) {
    return WashContext.SCHEDULED_PREFIX + what + "-" + washesByKind.merge(what, 1L, Long::sum);
  }

  /** Keeps and records a report (also a background round that did not pass). */
  public void record(WashReport report) {
    synchronized (recent) {
      recent.addLast(report);
      while (recent.size() > KEPT) {
        recent.removeFirst();
      }
    }
    records.submit(report); // written with retries through DynamoDB outages
  }

  /** The kept reports, oldest first. */
  public List<WashReport> recent() {
    synchronized (recent) {
      return List.copyOf(recent);
    }
  }

  @Override
  public void close() {
    betweenTenants.close();
  }
}
