package io.mrgc.failover.loop;

import io.micrometer.core.instrument.MeterRegistry;
import io.mrgc.common.Check;
import io.mrgc.common.PeriodicTask;
import io.mrgc.common.service.ControlLoop;
import io.mrgc.failover.dials.DialRequest;
import io.mrgc.failover.dials.DialStatus;
import io.mrgc.failover.dials.TrafficDials;
import io.mrgc.failover.health.HealthSignal;
import io.mrgc.failover.health.RegionProbe;
import io.mrgc.failover.health.RegionalHealth;
import io.mrgc.failover.health.Verdict;
import io.mrgc.failover.machine.Change;
import io.mrgc.failover.machine.DrainGate;
import io.mrgc.failover.machine.DrainMode;
import io.mrgc.failover.machine.Evaluation;
import io.mrgc.failover.machine.FailoverMachine;
import io.mrgc.failover.machine.FailoverState;
import io.mrgc.failover.machine.MachineInputs;
import io.mrgc.failover.machine.MachineResult;
import io.mrgc.failover.machine.ObservationQuorum;
import io.mrgc.failover.machine.Streaks;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.failover.state.FailoverRowRepository;
import io.mrgc.failover.state.ObservationRepository;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.Lease;
import io.mrgc.state.LeaseManager;
import io.mrgc.state.MetricsRepository;
import io.mrgc.state.StateClient;
import io.mrgc.state.WriteRejectedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One region's failover controller. Every evaluation it
 *
 * <ol>
 *   <li>observes every region ({@link RegionObserver}) and writes its observation rows;
 *   <li>for each region it contends for (by default every region but its own), holds the lease
 *       {@code failover/<region>} (acquire or renew; lost: stop acting), combines the fresh observations of all
 *       observer regions under the two-observer rule ({@link ObservationQuorum}), advances the streaks, runs the
 *       {@link FailoverMachine} and writes its change, fenced with the lease's token, together with the audit entry;
 *   <li>asks the {@link TrafficDials} for the dial the row now says, waiting at most {@code dialWait} for the answer,
 *       and records the actuator's status in the row.
 * </ol>
 *
 * Streaks live in memory: a new leader starts them afresh (a transition is then delayed by one hold, never hastened),
 * and so does a change by someone else (an operator's force or undrain is not undone before a full hold).
 *
 * <p>{@link #withMetrics} exports what it sees and does (states, dials, leadership, verdicts, transitions) as meters.
 *
 * <p>Plain Java and blocking (it joins the DynamoDB futures): run it on its own thread ({@link #start}) or drive
 * {@link #tick(Instant)} directly (tests). Not thread-safe: one thread ticks.
 */
public final class FailoverController implements ControlLoop, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FailoverController.class);

  private final ControllerConfig config;
  private final FailoverMachine machine;
  private final ObservationQuorum quorum;
  private final RegionObserver observer;
  private final LeaseManager leases;
  private final TrafficDials dials;
  private final Prescaler prescaler;
  private final Clock clock;
  private final FailoverRowRepository rows;
  private final ObservationRepository observations;
  /** Read by {@link #leads} from other threads. */
  private final Map<String, Lease> held = new ConcurrentHashMap<>();
  private final Map<String, Streaks> streaks = new HashMap<>();
  /** The row's version as this leader last left it, to tell someone else's change. */
  private final Map<String, Long> lastSeenVersion = new HashMap<>();
  private PeriodicTask scheduler;
  /** Before the first evaluation: a new deployment's instances boot before any region is judged. */
  private Duration startDelay = Duration.ZERO;
  /** Replaced by {@link #withMetrics} (from any thread; the next evaluation uses the new one). */
  private volatile FailoverMetrics metrics = FailoverMetrics.NONE;
  /** Test hook: runs after a change is decided and before it is written (a paused leader is simulated here). */
  private Runnable beforeWrite = () -> {};

  public FailoverController(ControllerConfig config, RegionalHealth health, FailoverMachine machine,
      StateClient state, LeaseManager leases, RegionProbe probe, TrafficDials dials, Prescaler prescaler,
      Clock clock) {
    this.config = Check.notNull("config", config);
    this.machine = Check.notNull("machine", machine);
    this.leases = Check.notNull("leases", leases);
    this.dials = Check.notNull("dials", dials);
    this.prescaler = Check.notNull("prescaler", prescaler);
    this.clock = Check.notNull("clock", clock);
    Check.notNull("state", state);
    this.quorum = new ObservationQuorum(config.observerQuorum(), config.observationFreshness());
    this.rows = new FailoverRowRepository(state);
    this.observations = new ObservationRepository(state);
    this.observer = new RegionObserver(config.region(), config.controllerId(), Check.notNull("health", health),
        Check.notNull("probe", probe), new GpuInstanceRepository(state), new MetricsRepository(state), observations,
        config.evaluationPeriod());
  }

  /**
   * Exports this controller's view as meters in {@code registry} (its service's, served on its admin listener's
   * /metrics and published as EMF lines in AWS), from the next evaluation on; a later call moves them to another
   * registry. Without it the controller exports nothing.
   */
  public FailoverController withMetrics(MeterRegistry registry) {
    this.metrics = FailoverMetrics.bind(Check.notNull("registry", registry), config);
    return this;
  }

  public static String leaseName(String region) {
    return "failover/" + region;
  }

  @Override
  public String name() {
    return "failover-controller " + config.region();
  }

  /** The first evaluation comes {@code delay} after {@link #start} (default: at once). */
  public synchronized FailoverController withStartDelay(Duration delay) {
    this.startDelay = delay;
    return this;
  }

  /** Evaluates every {@code evaluationPeriod} on a daemon thread of its own, with the clock's time. */
  @Override
  public synchronized void start() {
    if (scheduler != null) {
      return;
    }
    scheduler = PeriodicTask.start("failover-" + config.region(), startDelay, config.evaluationPeriod(), () -> {
      TickReport report = tick(clock.instant());
      if (!report.problems().isEmpty()) {
        LOG.warn("failover {}: {}", config.region(), String.join("; ", report.problems()));
      }
    }, e -> LOG.warn("failover {}: evaluation failed: {}", config.region(), e.toString()));
  }

  /**
   * Stops evaluating without giving the leases up, as a process that died: a standby takes over once they expire
   * (chaos tests). {@link #close} is the graceful stop.
   */
  public synchronized void halt() {
    if (scheduler != null) {
      scheduler.close();
      scheduler = null;
    }
  }

  @Override
  public List<String> heldLeases() {
    return config.decidedRegions().stream().filter(held::containsKey).map(FailoverController::leaseName).toList();
  }

  /**
   * Stops evaluating and gives the leases up (writes conditional on their fencing tokens), so a standby takes over at
   * its next evaluation; returns the leases released (one whose release was refused or failed expires by itself).
   */
  @Override
  public synchronized List<String> stop() {
    halt();
    List<String> released = new ArrayList<>();
    for (Lease lease : held.values()) {
      try {
        leases.release(lease).join();
        released.add(lease.name());
      } catch (RuntimeException e) {
        LOG.warn("failover {}: release of {} failed, it expires by itself: {}", config.region(), lease.name(),
            e.toString());
      }
    }
    held.keySet().forEach(region -> metrics.leading(region, false));
    held.clear();
    if (!released.isEmpty()) {
      LOG.info("failover {}: {} released {}", config.region(), config.controllerId(), released);
    }
    return released.stream().sorted().toList();
  }

  /** {@link #stop}. */
  @Override
  public void close() {
    stop();
  }

  /** The controller's id: its lease holder name and the actor of its changes. */
  public String id() {
    return config.controllerId();
  }

  /** True while this controller believes it holds the lease of {@code region}'s decisions. */
  public boolean leads(String region) {
    return held.containsKey(region);
  }

  /** The dial actuator's status for {@code region} (meaningful where this controller leads). */
  public DialStatus dialStatus(String region) {
    return dials.status(region);
  }

  void beforeWrite(Runnable hook) {
    this.beforeWrite = hook;
  }

  /** One evaluation at {@code now}. */
  public TickReport tick(Instant now) {
    Check.notNull("now", now);
    List<String> problems = new ArrayList<>();
    List<HealthSignal> observed = observer.observe(config.regions(), now, problems);
    metrics.observed(observed);
    List<RegionOutcome> decisions = new ArrayList<>();
    for (String region : config.decidedRegions()) {
      RegionOutcome outcome = decide(region, now);
      metrics.evaluated(outcome);
      metrics.leading(region, leads(region));
      if (outcome.outcome() == RegionOutcome.Outcome.ERROR) {
        problems.add(region + ": " + outcome.detail());
      }
      decisions.add(outcome);
    }
    return new TickReport(now, observed, decisions, problems);
  }

  private RegionOutcome decide(String region, Instant now) {
    Optional<RegionOutcome> notLeading = holdLease(region, now);
    if (notLeading.isPresent()) {
      return notLeading.get();
    }
    long token = held.get(region).fencingToken();
    try {
      return lead(region, now, token);
    } catch (CompletionException e) {
      return RegionOutcome.of(region, RegionOutcome.Outcome.ERROR, "state call failed: " + e.getCause());
    } catch (RuntimeException e) {
      return RegionOutcome.of(region, RegionOutcome.Outcome.ERROR, "evaluation failed: " + e);
    }
  }

  /** Acquires or renews the region's lease; empty when this controller leads it now. */
  private Optional<RegionOutcome> holdLease(String region, Instant now) {
    String name = leaseName(region);
    Lease lease = held.get(region);
    try {
      if (lease == null) {
        Optional<Lease> got = leases.acquire(name, config.controllerId(), config.leaseTtl()).join();
        if (got.isEmpty()) {
          return Optional.of(RegionOutcome.of(region, RegionOutcome.Outcome.NOT_LEADER, "lease " + name
              + " held by another controller"));
        }
        held.put(region, got.get());
        streaks.remove(region);
        lastSeenVersion.remove(region);
        LOG.info("failover {}: {} decides for {} with fencing token {}", config.region(), config.controllerId(),
            region, got.get().fencingToken());
      } else {
        held.put(region, leases.renew(lease, config.leaseTtl()).join());
      }
      return Optional.empty();
    } catch (CompletionException e) {
      if (e.getCause() instanceof WriteRejectedException) {
        LOG.warn("failover {}: lost the lease of {} (token {}); stopped acting", config.region(), region,
            lease == null ? 0 : lease.fencingToken());
        stepDown(region);
        return Optional.of(RegionOutcome.of(region, RegionOutcome.Outcome.LOST_LEASE,
            "lease lost: " + e.getCause().getMessage()));
      }
      if (lease != null && !lease.validAt(now.toEpochMilli())) {
        stepDown(region);
      }
      return Optional.of(RegionOutcome.of(region, RegionOutcome.Outcome.ERROR, "lease call failed: " + e.getCause()));
    }
  }

  private void stepDown(String region) {
    held.remove(region);
    streaks.remove(region);
    lastSeenVersion.remove(region);
  }

  private RegionOutcome lead(String region, Instant now, long token) {
    long nowMs = now.toEpochMilli();
    FailoverRowItem row = rows.getOrCreate(region, nowMs).join();
    Long seen = lastSeenVersion.get(region);
    if (seen != null && !seen.equals(row.getVersion()) && !config.controllerId().equals(row.getActor())) {
      streaks.remove(region); // an operator changed the row: its change holds for a full hold from here
    }
    Evaluation evaluation = evaluate(region, now);
    Streaks k = streaks.getOrDefault(region, Streaks.NONE).next(evaluation.verdict(), now);
    streaks.put(region, k);
    List<FailoverRowItem> others = rows.list(others(region)).join();
    boolean survivorServing = others.stream()
        .anyMatch(o -> FailoverState.parse(o.getFailoverState()) != FailoverState.FAILOVER_ACTIVE);
    DrainGate gate = DrainMode.parse(row.getDrain()) == DrainMode.DRAINING
        ? drainGate(region, row, others, now) : DrainGate.OPEN;
    int relapses = row.relapsesSince(now.minus(machine.config().relapseMemory()).toEpochMilli());
    MachineResult result = machine.decide(new MachineInputs(now, row.regionState(), evaluation, k,
        dials.status(region).appliedPercent(), gate, relapses, survivorServing));

    Change change = result.change().orElse(null);
    if (change != null) {
      beforeWrite.run();
      String from = row.getFailoverState() + "/" + row.getTrafficDial();
      row.apply(change, config.controllerId(), token, nowMs, config.historyLimit());
      try {
        row = rows.writeFenced(row, token).join();
      } catch (CompletionException e) {
        return refused(region, token, evaluation, change, e);
      }
      LOG.info("failover {}: {} {} -> {}/{} (token {}): {}", config.region(), region, from, change.state(),
          change.dial(), token, change.reason());
    }
    // Shown by `mrgc failover status`: what an SRE watching a drain needs to know while it does not move.
    Actuated actuated = actuate(row, token, gate.open() ? null : cut(gate.detail()));
    lastSeenVersion.put(region, actuated.row().getVersion());
    metrics.led(actuated.row(), actuated.status());
    return new RegionOutcome(region, change == null ? RegionOutcome.Outcome.UNCHANGED : RegionOutcome.Outcome.CHANGED,
        evaluation, change, actuated.status(), result.detail());
  }

  private Evaluation evaluate(String region, Instant now) {
    return quorum.combine(observations.of(region, config.regions()).join().stream()
        .map(ObservationRepository::toObservation).toList(), now);
  }

  private List<String> others(String region) {
    return config.regions().stream().filter(r -> !r.equals(region)).toList();
  }

  private RegionOutcome refused(String region, long token, Evaluation evaluation, Change change,
      CompletionException e) {
    if (!(e.getCause() instanceof WriteRejectedException)) {
      throw e;
    }
    FailoverRowItem current = rows.get(region).join();
    if (current != null && current.getFencingToken() > token) {
      LOG.warn("failover {}: change of {} refused, a newer leader (token {} > {}) wrote; stopped acting",
          config.region(), region, current.getFencingToken(), token);
      stepDown(region);
      return new RegionOutcome(region, RegionOutcome.Outcome.FENCED, evaluation, change, null,
          e.getCause().getMessage());
    }
    return new RegionOutcome(region, RegionOutcome.Outcome.CONFLICT, evaluation, change, null,
        "row changed since read: re-reading next evaluation");
  }

  /**
   * A drain step needs every other region NORMAL (no drain of its own) and judged HEALTHY by the quorum, and the
   * prescaler ready for the traffic the step sheds.
   */
  private DrainGate drainGate(String region, FailoverRowItem row, List<FailoverRowItem> others, Instant now) {
    List<String> survivors = others(region);
    if (survivors.isEmpty()) {
      return DrainGate.closed("no other region to take the traffic");
    }
    if (others.size() < survivors.size()) {
      return DrainGate.closed("a region row is missing");
    }
    for (FailoverRowItem other : others) {
      FailoverState state = FailoverState.parse(other.getFailoverState());
      if (state != FailoverState.NORMAL || other.getDrain() != null) {
        return DrainGate.closed(other.getRegion() + " is " + state
            + (other.getDrain() == null ? "" : " and " + other.getDrain()));
      }
      Evaluation evaluation = evaluate(other.getRegion(), now);
      if (!evaluation.verdict().equals(Optional.of(Verdict.HEALTHY))) {
        return DrainGate.closed(other.getRegion() + " is judged " + evaluation.summary());
      }
    }
    Prescaler.Readiness readiness = prescaler.prepare(region, row.getTrafficDial(),
        machine.config().nextDrainStep(row.getTrafficDial()), survivors);
    return readiness.ready() ? DrainGate.OPEN : DrainGate.closed("prescaler: " + readiness.detail());
  }

  private record Actuated(DialStatus status, FailoverRowItem row) {}

  private static String cut(String text) {
    return text.length() <= FailoverRowItem.REASON_LIMIT ? text : text.substring(0, FailoverRowItem.REASON_LIMIT);
  }

  /**
   * Asks the actuator for the row's dial and records its status, and what a drain waits for, in the row when they
   * changed (best effort); returns the status and the row as this leader left it.
   */
  private Actuated actuate(FailoverRowItem row, long token, String drainWaitsFor) {
    String region = row.getRegion();
    DialStatus status;
    try {
      status = dials.apply(new DialRequest(region, row.getTrafficDial(), token))
          .get(config.dialWait().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      status = dials.status(region); // still under way: the data plane does not wait, neither do we
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = dials.status(region);
    }
    if (Objects.equals(row.getDialApplied(), status.applied())
        && Objects.equals(row.getDialAttempts(), status.attempts())
        && Objects.equals(row.getDialError(), status.lastError())
        && Objects.equals(row.getDrainWaitsFor(), drainWaitsFor)) {
      return new Actuated(status, row);
    }
    row.setDialApplied(status.applied());
    row.setDialAttempts(status.attempts());
    row.setDialError(status.lastError());
    row.setDrainWaitsFor(drainWaitsFor);
    try {
      return new Actuated(status, rows.writeFenced(row, token).join());
    } catch (CompletionException e) {
      LOG.debug("failover {}: dial status of {} not recorded: {}", config.region(), region, e.getCause().toString());
      return new Actuated(status, row);
    }
  }
}
