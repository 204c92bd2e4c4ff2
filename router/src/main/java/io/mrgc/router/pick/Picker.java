package io.mrgc.router.pick;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Picks the instance for one request: among the instances that advertise the request's model, filter the snapshot
 * (fail-open), keep the instances with room for the request's tenant, then the better of two random distinct
 * candidates by score (power of two choices). Never argmax over the snapshot: every router reads the same
 * seconds-old snapshot, so argmax sends a whole burst to the one instance that looked best (reference/router.md
 * pitfall 1; p99 19.7 vs 5.3 for round robin at one request-duration of staleness).
 *
 * <p>Tenant-exclusive dispatch: an instance serves one tenant at a time, up to {@link Backend#batchSlots()} of its
 * concurrent requests batched into one inference run, and washes before it switches tenants (DESIGN.md, car wash).
 * So an instance with dispatches of this router outstanding for another tenant, or with all its slots taken, or held
 * after it reported a state other than READY ({@link InstanceHolds}), is no candidate. Among the candidates with
 * room ({@link InFlightTracker#roomFor}), those already serving the tenant from this router come first (the request
 * joins their batch), then the idle ones. When none has room the answer is {@link Choice#busy()}: the request waits
 * for one. With {@link Backend#sharedBatches()} (tenant isolation off, benchmarks only) any tenant joins.
 *
 * <p>A tenant's turn: while requests of other tenants wait ({@code otherTenantsWait} of {@link #choose}), an
 * instance serving a tenant takes at most {@code tenantTurnBatches x batchSlots} more of its dispatches, then drains
 * so that a waiter gets it; otherwise a busy tenant could keep an instance forever.
 *
 * <p>The dispatch is counted at pick time (inside {@link #choose}), so the next pick, even in the same burst, already
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
  private final InstanceHolds holds;
  private final Random random;
  private final LongSupplier clockMillis;
  private final int tenantTurnBatches;

  /**
   * {@code tenantTurnBatches}: while other tenants wait, an instance takes at most this many times its batch slots
   * more dispatches of the tenant it serves.
   */
  public Picker(Duration heartbeatStaleAfter, Duration slowStart, int tenantTurnBatches, InFlightTracker inFlight,
      OutlierDetector outliers, InstanceHolds holds, Random random, LongSupplier clockMillis) {
    if (tenantTurnBatches < 1) {
      throw new IllegalArgumentException("tenantTurnBatches must be at least 1, but was " + tenantTurnBatches);
    }
    this.staleAfterMillis = heartbeatStaleAfter.toMillis();
    this.slowStartMillis = slowStart.toMillis();
    this.tenantTurnBatches = tenantTurnBatches;
    this.inFlight = inFlight;
    this.outliers = outliers;
    this.holds = holds;
    this.random = random;
    this.clockMillis = clockMillis;
  }

  /** The chosen instance and the counted dispatch the caller must {@link InFlightTracker.Dispatch#end() end}. */
  public record Pick(Backend backend, double score, boolean failOpen, InFlightTracker.Dispatch dispatch) {}

  /**
   * What {@link #choose} found: a pick, or none, either because every candidate is busy or held ({@code busy}: one
   * will be free again, so wait) or because there is no instance to wait for.
   */
  public record Choice(Pick pick, boolean busy) {
    static final Choice BUSY = new Choice(null, true);
    static final Choice NONE = new Choice(null, false);
  }

  /**
   * Picks an instance with room for {@code tenantId} serving {@code model} (null = any) other than those in
   * {@code excluded} (connect failures of this request), or returns null when there is none right now. No other
   * tenant is taken to wait.
   */
  public Pick pick(List<Backend> snapshot, String model, String tenantId, Set<String> excluded) {
    return pick(snapshot, Long.MAX_VALUE, model, tenantId, excluded);
  }

  /** {@link #choose} without the reason when nothing is picked, no other tenant taken to wait. */
  public Pick pick(List<Backend> snapshot, long snapshotTakenAtMillis, String model, String tenantId,
      Set<String> excluded) {
    return choose(snapshot, snapshotTakenAtMillis, model, tenantId, false, excluded).pick();
  }

  /**
   * Chooses for a request of {@code tenantId} and a snapshot read at {@code snapshotTakenAtMillis}: heartbeats are
   * judged fresh or stale as of that read, so an outage of the shared store (an old snapshot) does not make every
   * instance look dead; dead instances are still caught by their connect failures (outlier ejection).
   *
   * <p>Only instances that advertise {@code model} are ever considered, not even fail-open: another instance would
   * only answer 404 (a model no instance advertises is answered by the router itself, see
   * {@code proxy.UnservedModel}). Candidates are the instances passing every filter; if the filters leave none,
   * fail-open: every instance of the model with an endpoint that was not taken out explicitly
   * ({@link Backend#explicitlyOut()}). Held instances are never candidates. Among the candidates only those with room
   * for the tenant are picked: first those already serving it from this router, else idle ones; candidates without
   * room, or held instances left over, make the answer busy. {@code otherTenantsWait}: requests of other tenants that
   * this request's instances could serve wait in this router's queue, so the tenant's turn on an instance is bounded
   * ({@link InFlightTracker#roomFor}).
   */
  public Choice choose(List<Backend> snapshot, long snapshotTakenAtMillis, String model, String tenantId,
      boolean otherTenantsWait, Set<String> excluded) {
    long now = clockMillis.getAsLong();
    long stateAsOf = Math.min(now, snapshotTakenAtMillis);
    List<Backend> usable = new ArrayList<>(snapshot.size());
    List<Backend> candidates = new ArrayList<>(snapshot.size());
    boolean anyHeld = false;
    for (Backend backend : snapshot) {
      if (!backend.hasEndpoint() || backend.explicitlyOut() || !backend.serves(model)
          || excluded.contains(backend.instanceId())) {
        continue;
      }
      if (holds.isHeld(backend)) {
        anyHeld = true;
        continue;
      }
      usable.add(backend);
      if (eligible(backend, model, stateAsOf)) {
        candidates.add(backend);
      }
    }
    boolean failOpen = candidates.isEmpty();
    if (failOpen) {
      // Routing anyway beats failing closed on stale or pessimistic state (pitfall 3, llm-d-router#2408).
      candidates = usable;
    }
    List<Backend> joinable = new ArrayList<>();
    List<Backend> idle = new ArrayList<>(candidates.size());
    for (Backend backend : candidates) {
      switch (inFlight.roomFor(backend, tenantId, otherTenantsWait,
          (long) tenantTurnBatches * backend.batchSlots())) {
        case JOIN -> joinable.add(backend);
        case IDLE -> idle.add(backend);
        case NONE -> { }
      }
    }
    // Joining a batch already running for the tenant costs no wash and keeps idle instances for other tenants.
    List<Backend> withRoom = joinable.isEmpty() ? idle : joinable;
    if (withRoom.isEmpty()) {
      return candidates.isEmpty() && !anyHeld ? Choice.NONE : Choice.BUSY;
    }
    Backend chosen = betterOfTwo(withRoom, now);
    InFlightTracker.Dispatch dispatch = inFlight.begin(chosen.instanceId(), tenantId, now);
    return new Choice(new Pick(chosen, score(chosen, now), failOpen, dispatch), false);
  }

  /**
   * Whether the instance passes every filter: routable state, reports some health (0 = it cannot serve, e.g. its
   * enclave is down), a heartbeat fresh as of {@code stateAsOfMillis}, serves the model, not ejected (now). Room and
   * holds are judged apart, in {@link #choose}.
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
}
