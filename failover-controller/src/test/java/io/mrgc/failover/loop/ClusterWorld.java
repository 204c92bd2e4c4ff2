package io.mrgc.failover.loop;

import io.micrometer.core.instrument.MeterRegistry;
import io.mrgc.failover.TestClock;
import io.mrgc.failover.dials.RoutingStateDials;
import io.mrgc.failover.dials.TrafficDials;
import io.mrgc.failover.health.HealthThresholds;
import io.mrgc.failover.health.RegionalHealth;
import io.mrgc.failover.machine.FailoverMachine;
import io.mrgc.failover.machine.FailoverState;
import io.mrgc.failover.machine.Hold;
import io.mrgc.failover.machine.MachineConfig;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.failover.state.FailoverRowRepository;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LeaseManager;
import io.mrgc.state.MetricsRepository;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.state.items.MetricItem;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Three regions in virtual time against DynamoDB Local: two instances per region that heartbeat, a router per region
 * that writes a metrics window, a fake probe per observer region, and one controller per region, all evaluated once
 * per 5 s round at the same instant. Region names are unique per world, so worlds share one database.
 */
public final class ClusterWorld {
  public static final Duration ROUND = Duration.ofSeconds(5);
  private static final AtomicInteger WORLDS = new AtomicInteger();

  /** Shorter holds than the defaults (the pure machine tests cover those), so a whole cycle is a few rounds. */
  public static final MachineConfig FAST = new MachineConfig(
      Hold.of(2, Duration.ofSeconds(5)),
      Hold.of(2, Duration.ofSeconds(5)),
      Hold.of(2, Duration.ofSeconds(5)),
      Hold.of(3, Duration.ofSeconds(10)),
      Hold.of(2, Duration.ofSeconds(10)),
      List.of(10, 50, 100),
      List.of(75, 50, 25, 0),
      Duration.ofSeconds(10),
      Duration.ofHours(1));

  public final TestClock clock = new TestClock();
  public final StateClient client;
  public final List<String> regions;
  public final Map<String, FakeProbe> probes = new HashMap<>();
  public final Map<String, FailoverController> controllers = new LinkedHashMap<>();
  public final Set<String> stopped = new HashSet<>();
  public final FailoverRowRepository rows;
  private final Set<String> dead = new HashSet<>();
  private final Map<String, Double> errorRates = new HashMap<>();
  private final Map<String, GpuInstanceItem> instanceRows = new HashMap<>();
  private final GpuInstanceRepository instances;
  private final MetricsRepository metrics;

  /** @param dials the actuator of each region's controller, given the region and the world's clock */
  public ClusterWorld(StateClient client, BiFunction<String, Clock, TrafficDials> dials, Prescaler prescaler) {
    this.client = client;
    String tag = "w" + WORLDS.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 100_000, 36);
    this.regions = List.of(tag + "-a", tag + "-b", tag + "-c");
    this.rows = new FailoverRowRepository(client);
    this.instances = new GpuInstanceRepository(client);
    this.metrics = new MetricsRepository(client);
    for (String region : regions) {
      FakeProbe probe = new FakeProbe();
      probes.put(region, probe);
      ControllerConfig config = ControllerConfig.defaults(region, "ctl-" + region, regions);
      controllers.put(region, new FailoverController(config, new RegionalHealth(HealthThresholds.defaults()),
          new FailoverMachine(FAST), client, new LeaseManager(client, clock), probe, dials.apply(region, clock), prescaler,
          clock));
    }
  }

  /** Controllers acting on the local front door's rows (routing_state dials), as in the local cluster. */
  public ClusterWorld(StateClient client, Prescaler prescaler) {
    this(client, (region, clock) -> new RoutingStateDials(client, clock), prescaler);
  }

  public ClusterWorld(StateClient client) {
    this(client, Prescaler.NONE);
  }

  public String a() {
    return regions.get(0);
  }

  public String b() {
    return regions.get(1);
  }

  public String c() {
    return regions.get(2);
  }

  /** The region's instances stop heart-beating, its routers go quiet, and no one can reach it. */
  public void kill(String region) {
    dead.add(region);
    probes.values().forEach(p -> p.unreachable(region));
  }

  public void revive(String region) {
    dead.remove(region);
    probes.values().forEach(p -> p.serving(region));
  }

  public void errorRate(String region, double rate) {
    errorRates.put(region, rate);
  }

  /** One round: time moves on, live regions heartbeat and report, then every running controller evaluates. */
  public Map<String, TickReport> round() {
    clock.advance(ROUND);
    long now = clock.millis();
    for (String region : regions) {
      if (dead.contains(region)) {
        continue;
      }
      for (int i = 1; i <= 2; i++) {
        String id = "i-" + region + "-" + i;
        GpuInstanceItem item = instanceRows.computeIfAbsent(id, k -> {
          GpuInstanceItem fresh = new GpuInstanceItem();
          fresh.setRegion(region);
          fresh.setInstanceId(k);
          fresh.setEndpoint("http://" + k);
          fresh.setState("READY");
          fresh.setStartedAtMillis(now);
          return fresh;
        });
        item.setHeartbeatAtMillis(now);
        instanceRows.put(id, instances.put(item).join());
      }
      MetricItem m = new MetricItem();
      m.setSeries("router#" + region + "#r1");
      m.setRegion(region);
      m.setWindowStartMillis(now - 10_000);
      m.setWindowMillis(10_000);
      m.setRequests(200);
      m.setErrors(Math.round(200 * errorRates.getOrDefault(region, 0.0)));
      m.setRps(20);
      m.setLatencyP99Ms(80);
      metrics.put(m).join();
    }
    Map<String, TickReport> reports = new LinkedHashMap<>();
    controllers.forEach((region, controller) -> {
      if (!stopped.contains(region)) {
        reports.put(region, controller.tick(clock.instant()));
      }
    });
    return reports;
  }

  /** Rounds until {@code region}'s row satisfies {@code done}, at most {@code max}; the rounds it took. */
  public int roundsUntil(String region, Predicate<FailoverRowItem> done, int max) {
    for (int n = 1; n <= max; n++) {
      round();
      if (done.test(row(region))) {
        return n;
      }
    }
    FailoverRowItem row = row(region);
    throw new AssertionError("after " + max + " rounds " + region + " is " + row.getFailoverState() + "/"
        + row.getTrafficDial() + " (" + row.getDrain() + "): " + row.getReason());
  }

  public List<Map<String, TickReport>> rounds(int n) {
    List<Map<String, TickReport>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(round());
    }
    return out;
  }

  public FailoverRowItem row(String region) {
    return rows.get(region).join();
  }

  public static Predicate<FailoverRowItem> is(FailoverState state, int dial) {
    return row -> state.name().equals(row.getFailoverState()) && row.getTrafficDial() == dial;
  }

  /** The controller that decides for {@code region} now. */
  public FailoverController leaderOf(String region) {
    return controllers.values().stream().filter(c -> c.leads(region)).findFirst()
        .orElseThrow(() -> new AssertionError("no controller leads " + region));
  }

  /** The region whose controller this is. */
  public String regionOf(FailoverController controller) {
    return controllers.entrySet().stream().filter(e -> e.getValue() == controller).findFirst().orElseThrow()
        .getKey();
  }

  /** Every controller exports its meters to a registry of its own (call before the rounds); by controller region. */
  public <R extends MeterRegistry> Map<String, R> withMetrics(Function<String, R> registry) {
    Map<String, R> registries = new LinkedHashMap<>();
    controllers.forEach((region, controller) -> controller.withMetrics(registries.computeIfAbsent(region, registry)));
    return registries;
  }

  /** The value of a controller's gauge {@code name} of {@code region}. */
  public static double gauge(MeterRegistry registry, String name, String region) {
    return registry.get(name).tag("region", region).gauge().value();
  }

  public void close() {
    controllers.values().forEach(FailoverController::close);
  }
}
