package io.mrgc.autoscaler.loop;

import io.mrgc.autoscaler.fleet.Fleet;
import io.mrgc.autoscaler.fleet.FleetInstance;
import io.mrgc.autoscaler.fleet.InstanceLifecycle;
import io.mrgc.autoscaler.policy.Decision;
import io.mrgc.autoscaler.policy.PeerRegion;
import io.mrgc.autoscaler.policy.PolicyState;
import io.mrgc.autoscaler.policy.RpsSample;
import io.mrgc.autoscaler.policy.ScalingInputs;
import io.mrgc.autoscaler.policy.ScalingOverride;
import io.mrgc.autoscaler.policy.ScalingPolicy;
import io.mrgc.common.Check;
import io.mrgc.common.PeriodicTask;
import io.mrgc.common.service.ControlLoop;
import io.mrgc.state.AutoscalingStateRepository;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.Lease;
import io.mrgc.state.LeaseManager;
import io.mrgc.state.MetricsRepository;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.StateClient;
import io.mrgc.state.WriteRejectedException;
import io.mrgc.state.items.AutoscalingStateItem;
import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.state.items.MetricItem;
import io.mrgc.state.items.RoutingStateItem;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One region's autoscaler: each tick, only while holding the lease {@code autoscaler/<region>}, it reads the region's
 * RPS (metrics), its instances (gpu_instances and the fleet), the other regions' failover states (routing_state) and
 * an SRE override (autoscaling_state), runs {@link ScalingPolicy}, writes the decision fenced with its lease token, and
 * only then acts through the {@link Fleet}: launch the shortfall, mark the excess DRAINING, terminate drained (idle or
 * timed-out) instances, and reconcile instances that never joined or died.
 *
 * <p>Plain Java and blocking (it joins the DynamoDB futures): run it on its own thread ({@link #start}) or drive
 * {@link #tick(Instant)} directly (tests). Not thread-safe: one thread ticks.
 */
public final class AutoscalerLoop implements ControlLoop, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AutoscalerLoop.class);
  private static final String ROUTER_SERIES_PREFIX = "router#";

  private final String region;
  private final String holder;
  private final ScalingPolicy policy;
  private final LoopConfig config;
  private final Fleet fleet;
  private final LeaseManager leases;
  private final AutoscalingStateRepository autoscaling;
  private final GpuInstanceRepository instances;
  private final MetricsRepository metrics;
  private final RoutingStateRepository routing;
  private final Clock clock;
  /** Ids this loop launched and when: launching as soon as launch returns, even before describe lists them. */
  private final Map<String, Instant> launchedHere = new HashMap<>();
  /** First time a fleet instance without a row was seen (for the join timeout when the fleet has no launch time). */
  private final Map<String, Instant> firstSeen = new HashMap<>();
  /** Read by {@link #heldLeases} from other threads. */
  private volatile Lease lease;
  private PeriodicTask scheduler;
  /** Told the result of every tick {@link #start} runs (metrics). */
  private volatile Consumer<TickResult> tickListener = result -> {};
  /** Test hook: runs after the decision is made and before it is written (a paused leader is simulated here). */
  private Runnable beforeWrite = () -> {};

  public AutoscalerLoop(String region, String holder, ScalingPolicy policy, LoopConfig config, Fleet fleet,
      StateClient state, LeaseManager leases, Clock clock) {
    this.region = Check.notBlank("region", region);
    this.holder = Check.notBlank("holder", holder);
    this.policy = Check.notNull("policy", policy);
    this.config = Check.notNull("config", config);
    this.fleet = Check.notNull("fleet", fleet);
    this.leases = Check.notNull("leases", leases);
    this.clock = Check.notNull("clock", clock);
    this.autoscaling = new AutoscalingStateRepository(state);
    this.instances = new GpuInstanceRepository(state);
    this.metrics = new MetricsRepository(state);
    this.routing = new RoutingStateRepository(state);
  }

  public static String leaseName(String region) {
    return "autoscaler/" + region;
  }

  /** Tells {@code listener} the result of every tick {@link #start} runs (it must not block). */
  public AutoscalerLoop onTick(Consumer<TickResult> listener) {
    this.tickListener = Check.notNull("listener", listener);
    return this;
  }

  @Override
  public String name() {
    return "autoscaler " + region;
  }

  /** Ticks every {@code tickPeriod} on a daemon thread of its own, with the clock's time. */
  @Override
  public synchronized void start() {
    if (scheduler != null) {
      return;
    }
    scheduler = PeriodicTask.start("autoscaler-" + region, config.tickPeriod(), () -> {
      TickResult r = tick(clock.instant());
      LOG.debug("autoscaler {} tick: {} {}", region, r.outcome(), r.detail());
      tickListener.accept(r);
    }, e -> LOG.warn("autoscaler {} tick failed: {}", region, e.toString()));
  }

  @Override
  public List<String> heldLeases() {
    Lease held = lease;
    return held == null ? List.of() : List.of(held.name());
  }

  /**
   * Stops ticking and gives the lease up (a write conditional on its fencing token), so a standby takes over at its
   * next tick; returns the lease released (none when it held none, or the release was refused or failed: the lease
   * then expires after its TTL).
   */
  @Override
  public synchronized List<String> stop() {
    if (scheduler != null) {
      scheduler.close();
      scheduler = null;
    }
    Lease held = lease;
    lease = null;
    if (held == null) {
      return List.of();
    }
    try {
      leases.release(held).join();
      LOG.info("autoscaler {}: {} released the lease {}", region, holder, held.name());
      return List.of(held.name());
    } catch (RuntimeException e) {
      LOG.warn("autoscaler {}: release of {} failed, it expires by itself: {}", region, held.name(), e.toString());
      return List.of();
    }
  }

  /** {@link #stop}. */
  @Override
  public void close() {
    stop();
  }

  /** True while this loop believes it holds the lease. */
  public boolean leader() {
    return lease != null;
  }

  void beforeWrite(Runnable hook) {
    this.beforeWrite = hook;
  }

  /** One control step at {@code now}. */
  public TickResult tick(Instant now) {
    Check.notNull("now", now);
    // 1. The lease: acquire, or renew the one we hold; losing it stops all acting.
    try {
      if (lease == null) {
        Optional<Lease> got = leases.acquire(leaseName(region), holder, config.leaseTtl()).join();
        if (got.isEmpty()) {
          return TickResult.of(TickResult.Outcome.NOT_LEADER, "lease " + leaseName(region) + " held by another");
        }
        lease = got.get();
        LOG.info("autoscaler {}: {} is leader with fencing token {}", region, holder, lease.fencingToken());
      } else {
        lease = leases.renew(lease, config.leaseTtl()).join();
      }
    } catch (CompletionException e) {
      if (e.getCause() instanceof WriteRejectedException) {
        LOG.warn("autoscaler {}: lost the lease (token {}); stopped acting", region, lease.fencingToken());
        lease = null;
        return TickResult.of(TickResult.Outcome.LOST_LEASE, "lease lost: " + e.getCause().getMessage());
      }
      if (lease != null && !lease.validAt(now.toEpochMilli())) {
        lease = null;
      }
      return TickResult.of(TickResult.Outcome.ERROR, "lease call failed: " + e.getCause());
    }
    long token = lease.fencingToken();

    try {
      return lead(now, token);
    } catch (CompletionException e) {
      return TickResult.of(TickResult.Outcome.ERROR, "state call failed: " + e.getCause());
    } catch (RuntimeException e) {
      return TickResult.of(TickResult.Outcome.ERROR, "tick failed: " + e);
    }
  }

  private TickResult lead(Instant now, long token) {
    long nowMs = now.toEpochMilli();
    // 2. Observe.
    AutoscalingStateItem row = autoscaling.get(region).join();
    if (row == null) {
      row = autoscaling.createIfAbsent(region, nowMs).join();
    }
    Observed metricsNow = observeMetrics(now);
    List<GpuInstanceItem> rows = instances.listRegion(region).join();
    List<FleetInstance> described = fleet.describe();
    List<PeerRegion> peers = peers(now);
    Optional<ScalingOverride> override = row.overrideActiveAt(nowMs)
        ? Optional.of(new ScalingOverride(Math.max(0, Math.min(1000, row.getDesiredCapacity())),
            Instant.ofEpochMilli(row.getOverrideUntilMillis())))
        : Optional.empty();

    Census census = census(now, rows, described, row);

    // 3. Decide.
    PolicyState previous = PolicyStateCodec.decode(row.getPolicyState(), row.getLastReason());
    ScalingInputs inputs = new ScalingInputs(now, metricsNow.sample(), census.ready.size(), census.launchingCount(),
        census.draining.size(), override, peers);
    ScalingPolicy.Result result = policy.decide(previous, inputs);
    Decision decision = result.decision();
    Plan plan = plan(now, decision.desired(), census, row.getDrainingSince());

    // 4. Write the decision, fenced. Only a successful write allows acting.
    int capacityBefore = previous.desired() == null ? census.ready.size() + census.launchingCount()
        : Math.max(previous.desired(), census.ready.size() + census.launchingCount());
    row.setDesiredCapacity(decision.desired());
    if (row.getOverrideUntilMillis() != null && !row.overrideActiveAt(nowMs)) {
      row.setOverrideUntilMillis(null); // expired: the rules own desired_capacity again
      row.setOverrideBy(null);
    }
    row.setCurrent(census.ready.size());
    row.setLaunching(census.launchingCount());
    row.setDraining(census.draining.size());
    row.setLastDirection(decision.direction().name());
    row.setLastDecision(decision.direction() + " " + capacityBefore + " -> " + decision.desired());
    row.setLastReason(plan.notes.isEmpty() ? decision.reason()
        : decision.reason() + "; " + String.join("; ", plan.notes));
    row.setDecidedAtMillis(nowMs);
    row.setMetricsStatus(metricsNow.status());
    row.setRps(metricsNow.sample().map(RpsSample::rps).orElse(null));
    row.setMetricsAgeMillis(metricsNow.sample().map(s -> Math.max(0, nowMs - s.at().toEpochMilli())).orElse(null));
    row.setPolicyState(PolicyStateCodec.encode(result.state()));
    row.setDrainingSince(plan.drainingSince);
    row.setActor(holder);
    beforeWrite.run();
    try {
      autoscaling.writeFenced(row, token).join();
    } catch (CompletionException e) {
      if (!(e.getCause() instanceof WriteRejectedException)) {
        throw e;
      }
      AutoscalingStateItem current = autoscaling.get(region).join();
      if (current != null && current.getFencingToken() > token) {
        LOG.warn("autoscaler {}: decision refused, a newer leader (token {} > {}) wrote; stopped acting", region,
            current.getFencingToken(), token);
        lease = null;
        return new TickResult(TickResult.Outcome.FENCED, decision, metricsNow.status(), List.of(), List.of(),
            List.of(), e.getCause().getMessage());
      }
      return new TickResult(TickResult.Outcome.CONFLICT, decision, metricsNow.status(), List.of(), List.of(),
          List.of(), "row changed since read (override?): re-reading next tick");
    }

    // 5. Act through the fleet.
    List<String> launched = new ArrayList<>();
    List<String> drained = new ArrayList<>();
    List<String> terminated = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    if (plan.launch > 0) {
      try {
        for (String id : fleet.launch(plan.launch)) {
          launchedHere.put(id, now);
          launched.add(id);
        }
      } catch (RuntimeException e) {
        problems.add("launch of " + plan.launch + " failed: " + e.getMessage());
      }
    }
    for (GpuInstanceItem item : plan.drain) {
      item.setState(InstanceState.DRAINING.name());
      try {
        instances.put(item).join();
        drained.add(item.getInstanceId());
      } catch (CompletionException e) {
        problems.add("marking " + item.getInstanceId() + " DRAINING failed: " + e.getCause().getMessage());
      }
    }
    if (!plan.terminate.isEmpty()) {
      try {
        fleet.terminate(plan.terminate);
        terminated.addAll(plan.terminate);
        for (String id : plan.terminate) {
          launchedHere.remove(id);
          firstSeen.remove(id);
        }
      } catch (RuntimeException e) {
        problems.add("terminate " + plan.terminate + " failed: " + e.getMessage());
      }
      for (GpuInstanceItem item : plan.terminatedRows) {
        if (!terminated.contains(item.getInstanceId())) {
          continue;
        }
        item.setState(InstanceState.TERMINATED.name());
        try {
          instances.put(item).join();
        } catch (CompletionException e) {
          // The row expires by TTL once the instance stops heart-beating; nothing else depends on this write.
        }
      }
    }
    String detail = decision.reason() + (plan.notes.isEmpty() ? "" : "; " + String.join("; ", plan.notes))
        + (problems.isEmpty() ? "" : "; " + String.join("; ", problems));
    if (!problems.isEmpty()) {
      LOG.warn("autoscaler {}: {}", region, String.join("; ", problems));
    }
    return new TickResult(TickResult.Outcome.ACTED, decision, metricsNow.status(), launched, drained, terminated,
        detail);
  }

  // ---------------------------------------------------------------- metrics

  private record Observed(Optional<RpsSample> sample, String status) {}

  /**
   * The region's RPS: per router series its newest window; the sum over the series whose newest window ended within
   * the policy's metricsStaleAfter, stamped with the newest end. None fresh: the newest window alone (STALE, the
   * policy holds); no rows in metricsLookback: MISSING.
   */
  private Observed observeMetrics(Instant now) {
    long nowMs = now.toEpochMilli();
    List<MetricItem> items = metrics.listRegionSince(region, nowMs - config.metricsLookback().toMillis()).join();
    Map<String, MetricItem> newest = new HashMap<>();
    for (MetricItem m : items) {
      if (m.getSeries() == null || !m.getSeries().startsWith(ROUTER_SERIES_PREFIX)) {
        continue;
      }
      newest.merge(m.getSeries(), m, (a, b) -> end(a) >= end(b) ? a : b);
    }
    if (newest.isEmpty()) {
      return new Observed(Optional.empty(), AutoscalingStateItem.METRICS_MISSING);
    }
    long freshSince = nowMs - policy.config().metricsStaleAfter().toMillis();
    double sum = 0;
    long at = Long.MIN_VALUE;
    for (MetricItem m : newest.values()) {
      if (end(m) >= freshSince) {
        sum += m.getRps();
        at = Math.max(at, end(m));
      }
    }
    if (at == Long.MIN_VALUE) {
      MetricItem last = newest.values().stream().max(Comparator.comparingLong(AutoscalerLoop::end)).orElseThrow();
      return new Observed(Optional.of(new RpsSample(Instant.ofEpochMilli(end(last)), last.getRps())),
          AutoscalingStateItem.METRICS_STALE);
    }
    return new Observed(Optional.of(new RpsSample(Instant.ofEpochMilli(Math.min(at, nowMs)), sum)),
        AutoscalingStateItem.METRICS_FRESH);
  }

  private static long end(MetricItem m) {
    return m.getWindowStartMillis() + m.getWindowMillis();
  }

  /** Other regions' failover states; for failing ones, their peak RPS in the lookback and our share of it. */
  private List<PeerRegion> peers(Instant now) {
    List<RoutingStateItem> regions = routing.listRegions().join();
    List<RoutingStateItem> others = regions.stream().filter(r -> !region.equals(r.getRegion())).toList();
    long failing = others.stream()
        .filter(r -> PeerRegion.DEGRADED.equals(r.getFailoverState())
            || PeerRegion.FAILOVER_ACTIVE.equals(r.getFailoverState()))
        .count();
    long survivors = Math.max(1, others.size() + 1 - failing);
    List<PeerRegion> out = new ArrayList<>();
    for (RoutingStateItem r : others) {
      String state = r.getFailoverState() == null ? PeerRegion.NORMAL : r.getFailoverState();
      double rps = 0;
      if (PeerRegion.DEGRADED.equals(state) || PeerRegion.FAILOVER_ACTIVE.equals(state)) {
        Map<Long, Double> byWindow = new HashMap<>();
        for (MetricItem m : metrics.listRegionSince(r.getRegion(),
            now.toEpochMilli() - config.metricsLookback().toMillis()).join()) {
          if (m.getSeries() != null && m.getSeries().startsWith(ROUTER_SERIES_PREFIX)) {
            byWindow.merge(m.getWindowStartMillis(), m.getRps(), Double::sum);
          }
        }
        rps = byWindow.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
      }
      out.add(new PeerRegion(r.getRegion(), state, rps, 1.0 / survivors));
    }
    return out;
  }

  // ---------------------------------------------------------------- instances

  /** The region's instances by role. Only fleet-known instances are ever drained or terminated. */
  private static final class Census {
    final List<GpuInstanceItem> ready = new ArrayList<>();
    final List<GpuInstanceItem> starting = new ArrayList<>();
    final List<GpuInstanceItem> draining = new ArrayList<>();
    /** Launched, no row yet, within the join timeout. */
    final List<String> unjoined = new ArrayList<>();
    /** Fleet instances that never joined or died, and dead rows' instances: terminate. */
    final Map<String, String> reconcile = new LinkedHashMap<>();
    final List<GpuInstanceItem> deadRows = new ArrayList<>();
    final Set<String> fleetIds = new HashSet<>();

    int launchingCount() {
      return starting.size() + unjoined.size();
    }
  }

  private Census census(Instant now, List<GpuInstanceItem> rows, List<FleetInstance> described,
      AutoscalingStateItem row) {
    Census c = new Census();
    long nowMs = now.toEpochMilli();
    Map<String, GpuInstanceItem> byId = new HashMap<>();
    for (GpuInstanceItem item : rows) {
      byId.put(item.getInstanceId(), item);
    }
    Map<String, FleetInstance> fleetById = new HashMap<>();
    for (FleetInstance f : described) {
      fleetById.put(f.id(), f);
      c.fleetIds.add(f.id());
    }
    for (GpuInstanceItem item : rows) {
      InstanceState state = parse(item.getState());
      if (state == null || state == InstanceState.TERMINATED || state == InstanceState.QUARANTINED) {
        continue;
      }
      boolean dead = nowMs - item.getHeartbeatAtMillis() > config.heartbeatStaleAfter().toMillis();
      if (dead) {
        if (fleetById.containsKey(item.getInstanceId())) {
          c.reconcile.put(item.getInstanceId(), "died (no heartbeat for "
              + Duration.ofMillis(nowMs - item.getHeartbeatAtMillis()).toSeconds() + " s)");
          c.deadRows.add(item);
        }
        continue;
      }
      switch (state) {
        case READY, BUSY, WASHING -> c.ready.add(item);
        case STARTING -> c.starting.add(item);
        case DRAINING -> c.draining.add(item);
        default -> { }
      }
    }
    Set<String> candidates = new HashSet<>(fleetById.keySet());
    candidates.addAll(launchedHere.keySet());
    for (String id : candidates) {
      if (byId.containsKey(id) && !InstanceState.TERMINATED.name().equals(byId.get(id).getState())) {
        firstSeen.remove(id);
        continue;
      }
      FleetInstance f = fleetById.get(id);
      if (f != null && (f.state() == InstanceLifecycle.STOPPED || f.state() == InstanceLifecycle.STOPPING)) {
        c.reconcile.put(id, "died (" + f.state() + " without a row)");
        continue;
      }
      if (f != null && (f.state() == InstanceLifecycle.SHUTTING_DOWN || f.state() == InstanceLifecycle.TERMINATED)) {
        continue; // on its way out already
      }
      if (f == null && byId.containsKey(id)) {
        launchedHere.remove(id); // TERMINATED row, gone from the fleet
        continue;
      }
      Instant launchedAt = f != null && f.launchedAt() != null ? f.launchedAt()
          : launchedHere.containsKey(id) ? launchedHere.get(id) : firstSeen.computeIfAbsent(id, k -> now);
      if (!now.isBefore(launchedAt.plus(config.joinTimeout()))) {
        c.reconcile.put(id, "never joined (no gpu_instances row " + config.joinTimeout().toMinutes()
            + " min after launch)");
      } else {
        c.unjoined.add(id);
      }
    }
    c.unjoined.sort(Comparator.naturalOrder());
    return c;
  }

  private static InstanceState parse(String state) {
    try {
      return state == null ? null : InstanceState.valueOf(state);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- plan

  private static final class Plan {
    int launch;
    final List<GpuInstanceItem> drain = new ArrayList<>();
    final List<String> terminate = new ArrayList<>();
    final List<GpuInstanceItem> terminatedRows = new ArrayList<>();
    final Map<String, Long> drainingSince = new HashMap<>();
    final List<String> notes = new ArrayList<>();
  }

  /**
   * Launch the shortfall below desired (ready + launching); drain the excess above it (launching ones without
   * traffic first, then the least loaded, newest first; never below desired); terminate DRAINING instances that are
   * idle or past the drain timeout, and the reconciled ones.
   */
  private Plan plan(Instant now, int desired, Census c, Map<String, Long> priorDrainingSince) {
    Plan p = new Plan();
    long nowMs = now.toEpochMilli();
    int have = c.ready.size() + c.launchingCount();
    if (desired > have) {
      p.launch = desired - have;
      p.notes.add("launching " + p.launch + " (" + c.ready.size() + " ready + " + c.launchingCount()
          + " launching < " + desired + ")");
    } else if (desired < have) {
      int excess = have - desired;
      List<String> unjoinedNewestFirst = new ArrayList<>(c.unjoined);
      unjoinedNewestFirst.sort(Comparator.reverseOrder());
      for (String id : unjoinedNewestFirst) {
        if (excess == 0) {
          break;
        }
        if (c.fleetIds.contains(id) || launchedHere.containsKey(id)) {
          p.terminate.add(id);
          excess--;
        }
      }
      List<GpuInstanceItem> order = new ArrayList<>(c.starting);
      order.sort(Comparator.comparingLong(GpuInstanceItem::getStartedAtMillis).reversed());
      List<GpuInstanceItem> serving = new ArrayList<>(c.ready);
      serving.sort(Comparator.comparingInt(GpuInstanceItem::load)
          .thenComparing(Comparator.comparingLong(GpuInstanceItem::getStartedAtMillis).reversed())
          .thenComparing(GpuInstanceItem::getInstanceId));
      order.addAll(serving);
      for (GpuInstanceItem item : order) {
        if (excess == 0) {
          break;
        }
        if (!c.fleetIds.contains(item.getInstanceId())) {
          continue; // not ours to stop (e.g. a statically started node)
        }
        p.drain.add(item);
        p.drainingSince.put(item.getInstanceId(), nowMs);
        excess--;
      }
      if (!p.drain.isEmpty() || !p.terminate.isEmpty()) {
        p.notes.add("draining " + ids(p.drain) + (p.terminate.isEmpty() ? "" : ", cancelling unjoined " + p.terminate)
            + " (" + have + " > " + desired + ")");
      }
    }
    for (GpuInstanceItem item : c.draining) {
      String id = item.getInstanceId();
      Long seen = priorDrainingSince.get(id);
      long since = seen == null ? nowMs : seen;
      p.drainingSince.put(id, since);
      if (!c.fleetIds.contains(id)) {
        continue;
      }
      boolean idle = item.getInFlight() == 0 && item.getQueueDepth() == 0;
      boolean timedOut = nowMs - since >= config.drainTimeout().toMillis();
      if (idle || timedOut) {
        p.terminate.add(id);
        p.terminatedRows.add(item);
        p.drainingSince.remove(id);
        p.notes.add("terminating " + id + (idle ? " (drained, idle)"
            : String.format(Locale.ROOT, " (drain timeout %d s, %d in flight, %d queued)",
                config.drainTimeout().toSeconds(), item.getInFlight(), item.getQueueDepth())));
      }
    }
    for (Map.Entry<String, String> e : c.reconcile.entrySet()) {
      p.terminate.add(e.getKey());
      p.notes.add("reconcile: terminating " + e.getKey() + ", " + e.getValue());
    }
    p.terminatedRows.addAll(c.deadRows);
    return p;
  }

  private static String ids(List<GpuInstanceItem> items) {
    return items.stream().map(GpuInstanceItem::getInstanceId).toList().toString();
  }
}
