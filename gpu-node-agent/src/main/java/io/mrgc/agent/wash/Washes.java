package io.mrgc.agent.wash;

import io.mrgc.carwash.CarWash;
import io.mrgc.carwash.WashContext;
import io.mrgc.carwash.WashRecordOutbox;
import io.mrgc.carwash.WashReport;
import io.mrgc.carwash.WashStep;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs one instance's car washes off the event loop (a wash blocks for up to its time limit) and records every one:
 * a cleanup_validation row with the request id, each step's timing and a TTL; the per-request ones also in the
 * metrics. The last {@value #KEPT} reports are kept in memory.
 */
public final class Washes implements AutoCloseable {
  static final int KEPT = 1_000;

  private final Vertx vertx;
  private final CarWash perRequest;
  private final Duration instanceTimeLimit;
  private final WashRecordOutbox records;
  private final Consumer<WashReport> metrics;
  private final Deque<WashReport> recent = new ArrayDeque<>();
  private long instanceWashes;

  /**
   * @param perRequestSteps buffer-scrub, model-integrity, gpu-health, enclave-ping (with an enclave), clean-state
   * @param metrics told of every per-request wash
   */
  public Washes(Vertx vertx, List<WashStep> perRequestSteps, Duration timeLimit, Duration instanceTimeLimit,
      WashRecordOutbox records, Consumer<WashReport> metrics) {
    this.vertx = vertx;
    this.perRequest = new CarWash(perRequestSteps, timeLimit);
    this.instanceTimeLimit = instanceTimeLimit;
    this.records = records;
    this.metrics = metrics;
  }

  /** The wash after request {@code requestId}; never fails (a broken step is in the report). */
  public Future<WashReport> afterRequest(String requestId) {
    return vertx.executeBlocking(() -> perRequest.wash(requestId), false)
        .onSuccess(report -> {
          metrics.accept(report);
          keep(report);
        });
  }

  /** An instance-level wash ({@code what}: e.g. {@code enclave-restart}), with no request; never fails. */
  public Future<WashReport> instanceLevel(String what, List<WashStep> steps) {
    String id = WashContext.SCHEDULED_PREFIX + what + "-" + (++instanceWashes);
    return vertx.executeBlocking(() -> {
      try (CarWash wash = new CarWash(steps, instanceTimeLimit)) {
        return wash.wash(id);
      }
    }, false).onSuccess(this::keep);
  }

  private void keep(WashReport report) {
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
    perRequest.close();
  }
}
