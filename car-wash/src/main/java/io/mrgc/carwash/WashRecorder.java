package io.mrgc.carwash;

import io.mrgc.state.CleanupValidationRepository;
import io.mrgc.state.items.CleanupValidationItem;
import io.mrgc.state.items.CleanupValidationStepItem;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Writes each {@link WashReport} as a cleanup_validation row of this instance: sort key
 * {@code <completed at, epoch ms>#<request id>}, TTL {@code expires_at} = completion + {@code ttl} (default
 * {@link #DEFAULT_TTL}).
 */
public final class WashRecorder {
  public static final Duration DEFAULT_TTL = Duration.ofDays(7);

  private final CleanupValidationRepository repository;
  private final String instanceId;
  private final String region;
  private final Duration ttl;

  public WashRecorder(CleanupValidationRepository repository, String instanceId, String region, Duration ttl) {
    this.repository = Objects.requireNonNull(repository, "repository");
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    this.region = Objects.requireNonNull(region, "region");
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("cleanup_validation TTL must be positive, got " + ttl);
    }
    this.ttl = ttl;
  }

  public WashRecorder(CleanupValidationRepository repository, String instanceId, String region) {
    this(repository, instanceId, region, DEFAULT_TTL);
  }

  /** The row for {@code report}. */
  public CleanupValidationItem toItem(WashReport report) {
    CleanupValidationItem item = new CleanupValidationItem();
    item.setInstanceId(instanceId);
    item.setCompletedAtRequest(CleanupValidationItem.sortKey(report.completedAtMillis(), report.requestId()));
    item.setRegion(region);
    item.setRequestId(report.requestId());
    item.setOutcome(report.outcome().name());
    item.setTotalMicros(report.totalMicros());
    item.setSteps(new java.util.ArrayList<>(report.steps().stream()
        .map(s -> new CleanupValidationStepItem(s.name(), s.micros(), s.outcome().name(), s.detail()))
        .toList()));
    item.setExpiresAtEpochSeconds((report.completedAtMillis() + ttl.toMillis()) / 1000);
    return item;
  }

  public CompletableFuture<Void> record(WashReport report) {
    return write(toItem(report));
  }

  /** Writes a row made by {@link #toItem}; writing the same row again overwrites it (same key): idempotent. */
  public CompletableFuture<Void> write(CleanupValidationItem item) {
    return repository.put(item);
  }
}
