package io.mrgc.router.pick;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Picks the instance for one request: filter the snapshot (fail-open), then the better of two random distinct
 * candidates by score (power of two choices). Never argmax over the snapshot: every router reads the same
 * seconds-old snapshot, so argmax sends a whole burst to the one instance that looked best (reference/router.md
 * pitfall 1; p99 19.7 vs 5.3 for round robin at one request-duration of staleness).
 *
 * <p>The dispatch is counted at pick time (inside {@link #pick}), so the next pick, even in the same burst, already
 * sees it. Pure code: no Vert.x; the clock and the random source are injected for tests.
 */
public final class Picker {
  /** A brand-new instance keeps at least this share of its queue term during slow start. */
  public static final double SLOW_START_MIN_FACTOR = 0.1;
  /** Scores (0..100) closer than this are treated as equal. */
  public static final double SCORE_TIE_TOLERANCE = 0.5;

  private final long staleAfterMillis;
  private final long slowStartMillis;
  private final InFlightTracker inFlight;
  private final OutlierDetector outliers;
  private final Random random;
  private final LongSupplier clockMillis;

  public Picker(Duration heartbeatStaleAfter, Duration slowStart, InFlightTracker inFlight, OutlierDetector outliers,
      Random random, LongSupplier clockMillis) {
    this.staleAfterMillis = heartbeatStaleAfter.toMillis();
    this.slowStartMillis = slowStart.toMillis();
    this.inFlight = inFlight;
    this.outliers = outliers;
    this.random = random;
    this.clockMillis = clockMillis;
  }

  /** The chosen instance and the counted dispatch the caller must {@link InFlightTracker.Dispatch#end() end}. */
  public record Pick(Backend backend, double score, boolean failOpen, InFlightTracker.Dispatch dispatch) {}

  /**
   * Picks an instance serving {@code model} (null = any) other than those in {@code excluded} (earlier attempts),
   * or returns null when no instance with an endpoint is left.
   */
  public Pick pick(List<Backend> snapshot, String model, Set<String> excluded) {
    return pick(snapshot, Long.MAX_VALUE, model, excluded);
  }

  /**
   * As {@link #pick(List, String, Set)} for a snapshot read at {@code snapshotTakenAtMillis}: heartbeats are judged
   * fresh or stale as of that read, so an outage of the shared store (an old snapshot) does not make every
   * instance look dead; dead instances are still caught by their connect failures (outlier ejection).
   */
  public Pick pick(List<Backend> snapshot, long snapshotTakenAtMillis, String model, Set<String> excluded) {
    long now = clockMillis.getAsLong();
    List<Backend> candidates = eligible(snapshot, model, excluded, Math.min(now, snapshotTakenAtMillis));
    boolean failOpen = candidates.isEmpty();
    if (failOpen) {
      // Routing anyway beats failing closed on stale or pessimistic state (pitfall 3, llm-d-router#2408).
      candidates = withEndpoint(snapshot, excluded);
      if (candidates.isEmpty()) {
        return null;
      }
    }
    Backend chosen = betterOfTwo(candidates, now);
    InFlightTracker.Dispatch dispatch = inFlight.begin(chosen.instanceId(), now);
    return new Pick(chosen, score(chosen, now), failOpen, dispatch);
  }

  /**
   * Whether the instance passes every filter: routable state, reports some health (0 = it cannot serve, e.g. its
   * enclave is down), a heartbeat fresh as of {@code stateAsOfMillis}, serves the model, not ejected (now).
   */
  public boolean eligible(Backend backend, String model, long stateAsOfMillis) {
    return backend.hasEndpoint()
        && backend.routableState()
        && backend.health() > 0
        && stateAsOfMillis - backend.heartbeatAtMillis() <= staleAfterMillis
        && backend.serves(model)
        && !outliers.isEjected(backend.instanceId());
  }

  public boolean eligible(Backend backend, String model) {
    return eligible(backend, model, clockMillis.getAsLong());
  }

  /** {@link #eligible(Backend, String, long)} for an instance of a snapshot read at {@code snapshotTakenAtMillis}. */
  public boolean eligibleInSnapshot(Backend backend, String model, long snapshotTakenAtMillis) {
    return eligible(backend, model, Math.min(clockMillis.getAsLong(), snapshotTakenAtMillis));
  }

  /**
   * The reported load plus this router's outstanding dispatches picked since that report: the report already
   * contains the older ones, and it cannot contain the newer ones yet.
   */
  public int estimatedLoad(Backend backend) {
    return backend.reportedLoad() + inFlight.sentSince(backend.instanceId(), backend.heartbeatAtMillis());
  }

  /** The 50/30/20 score on the estimated load, its queue term scaled down during slow start. */
  public double score(Backend backend, long nowMillis) {
    return Scoring.score(estimatedLoad(backend), backend.latencyEwmaMs(), backend.health(),
        slowStartFactor(backend, nowMillis));
  }

  /**
   * The queue-term factor: 1 for an established instance; for one younger than the slow-start window, its age as a
   * share of the window (at least {@link #SLOW_START_MIN_FACTOR}). A new instance reports an empty queue and would
   * otherwise win every comparison and be flooded (pitfall 3, GIE#1497). An unknown start time (0) counts as
   * established.
   */
  double slowStartFactor(Backend backend, long nowMillis) {
    long age = nowMillis - backend.startedAtMillis();
    if (backend.startedAtMillis() <= 0 || slowStartMillis <= 0 || age >= slowStartMillis) {
      return 1.0;
    }
    return Math.max(SLOW_START_MIN_FACTOR, Math.max(0, age) / (double) slowStartMillis);
  }

  private Backend betterOfTwo(List<Backend> candidates, long now) {
    if (candidates.size() == 1) {
      return candidates.get(0);
    }
    int first = random.nextInt(candidates.size());
    int second = random.nextInt(candidates.size() - 1);
    if (second >= first) {
      second++; // two distinct candidates
    }
    Backend a = candidates.get(first);
    Backend b = candidates.get(second);
    double scoreA = score(a, now);
    double scoreB = score(b, now);
    if (Math.abs(scoreA - scoreB) > SCORE_TIE_TOLERANCE) {
      return scoreA > scoreB ? a : b;
    }
    // Near-equal scores are a tie: otherwise a hair's difference (two instances started milliseconds apart, in slow
    // start) would send every request of a quiet period to the same one. Past saturation the queue term is flat at
    // 0, so the raw load decides; equal loads keep a, which is already random.
    return estimatedLoad(b) < estimatedLoad(a) ? b : a;
  }

  private List<Backend> eligible(List<Backend> snapshot, String model, Set<String> excluded, long now) {
    List<Backend> result = new ArrayList<>(snapshot.size());
    for (Backend backend : snapshot) {
      if (!excluded.contains(backend.instanceId()) && eligible(backend, model, now)) {
        result.add(backend);
      }
    }
    return result;
  }

  private static List<Backend> withEndpoint(List<Backend> snapshot, Set<String> excluded) {
    List<Backend> result = new ArrayList<>(snapshot.size());
    for (Backend backend : snapshot) {
      if (backend.hasEndpoint() && !excluded.contains(backend.instanceId())) {
        result.add(backend);
      }
    }
    return result;
  }
}
