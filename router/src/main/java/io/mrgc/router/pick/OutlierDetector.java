package io.mrgc.router.pick;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Passive outlier ejection from this router's own observations, so a dead or failing instance stops getting traffic
 * within seconds, long before its heartbeat row goes stale (goal G4). A connect failure ejects at once; otherwise
 * {@code consecutiveFailuresToEject} 5xx/timeouts in a row do. An ejection lasts base x k, where k counts recent
 * ejections of the instance (capped), so a flapping instance stays out longer. At most {@code maxEjectedPercent} of
 * the fleet (but always at least one instance) is ejected at a time: over-eager ejection amplifies transient failures
 * (reference/router.md pitfall 8). The picker still fails open if everything is ejected.
 */
public final class OutlierDetector {
  /** Ejection time grows up to base x this, e.g. 10 s .. 100 s. */
  public static final int MAX_EJECTION_MULTIPLIER = 10;

  private final int consecutiveFailuresToEject;
  private final long baseEjectionMillis;
  private final int maxEjectedPercent;
  private final LongSupplier clockMillis;
  private final Map<String, Outlier> byInstance = new ConcurrentHashMap<>();
  private volatile int fleetSize;
  private volatile Consumer<String> onEjection = id -> {};

  public OutlierDetector(int consecutiveFailuresToEject, Duration baseEjectionTime, int maxEjectedPercent,
      LongSupplier clockMillis) {
    this.consecutiveFailuresToEject = consecutiveFailuresToEject;
    this.baseEjectionMillis = baseEjectionTime.toMillis();
    this.maxEjectedPercent = maxEjectedPercent;
    this.clockMillis = clockMillis;
  }

  /** The number of instances the ejection cap is a share of (the snapshot's size). */
  public void fleetSize(int size) {
    this.fleetSize = size;
  }

  /** Called with the instance id each time one is ejected (metrics). */
  public void onEjection(Consumer<String> listener) {
    this.onEjection = listener;
  }

  /** No connection could be made: eject now (subject to the cap). Returns true if this call ejected it. */
  public synchronized boolean connectFailed(String instanceId) {
    return eject(state(instanceId));
  }

  /** A 5xx or a timeout. Returns true if this call ejected the instance. */
  public synchronized boolean failed(String instanceId) {
    Outlier outlier = state(instanceId);
    outlier.consecutiveFailures++;
    return outlier.consecutiveFailures >= consecutiveFailuresToEject && eject(outlier);
  }

  public synchronized void succeeded(String instanceId) {
    Outlier outlier = byInstance.get(instanceId);
    if (outlier != null) {
      outlier.consecutiveFailures = 0;
    }
  }

  /**
   * Forgets instances that left the snapshot: their failure counts and ejections (an instance id that comes back is
   * a new instance; the region's instance ids come and go with scaling, so the map must not keep them all).
   */
  public synchronized void retain(Set<String> instanceIds) {
    byInstance.keySet().retainAll(instanceIds);
  }

  /** Instances with failure or ejection state now (for tests). */
  public int trackedInstances() {
    return byInstance.size();
  }

  public boolean isEjected(String instanceId) {
    Outlier outlier = byInstance.get(instanceId);
    return outlier != null && outlier.ejectedUntilMillis > clockMillis.getAsLong();
  }

  public synchronized int ejectedCount() {
    long now = clockMillis.getAsLong();
    return (int) byInstance.values().stream().filter(o -> o.ejectedUntilMillis > now).count();
  }

  private Outlier state(String instanceId) {
    return byInstance.computeIfAbsent(instanceId, Outlier::new);
  }

  private boolean eject(Outlier outlier) {
    long now = clockMillis.getAsLong();
    if (outlier.ejectedUntilMillis > now) {
      return false; // already out
    }
    int allowed = Math.max(1, fleetSize * maxEjectedPercent / 100);
    if (ejectedCount() >= allowed) {
      return false;
    }
    // An instance that stayed healthy for a full previous ejection period since it returned starts over at k = 1.
    if (outlier.multiplier > 0 && now - outlier.ejectedUntilMillis > baseEjectionMillis * outlier.multiplier) {
      outlier.multiplier = 0;
    }
    outlier.multiplier = Math.min(MAX_EJECTION_MULTIPLIER, outlier.multiplier + 1);
    outlier.ejectedUntilMillis = now + baseEjectionMillis * outlier.multiplier;
    outlier.consecutiveFailures = 0;
    onEjection.accept(outlier.instanceId);
    return true;
  }

  private static final class Outlier {
    final String instanceId;
    int consecutiveFailures;
    int multiplier;
    long ejectedUntilMillis;

    Outlier(String instanceId) {
      this.instanceId = instanceId;
    }
  }
}
