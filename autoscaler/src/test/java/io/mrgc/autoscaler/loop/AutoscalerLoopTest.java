package io.mrgc.autoscaler.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.autoscaler.policy.Direction;
import io.mrgc.autoscaler.policy.ScalingConfig;
import io.mrgc.autoscaler.policy.ScalingPolicy;
import io.mrgc.state.AutoscalingStateRepository;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.LeaseManager;
import io.mrgc.state.LocalState;
import io.mrgc.state.MetricsRepository;
import io.mrgc.state.StateClient;
import io.mrgc.state.WriteRejectedException;
import io.mrgc.state.items.AutoscalingStateItem;
import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.state.items.MetricItem;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The loop against DynamoDB Local and a FakeFleet, in virtual time (10 s ticks, no sleeps). */
class AutoscalerLoopTest {
  static final Duration TICK = Duration.ofSeconds(10);
  static final Duration BOOT = Duration.ofMinutes(5);
  private static final AtomicInteger REGIONS = new AtomicInteger();
  private static LocalState state;
  private static StateClient client;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-east-1");
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  /** One region's world: clock, fleet, simulated node agents and routers, and its autoscaler(s). */
  final class World {
    final AtomicLong nowMs = new AtomicLong(Instant.parse("2026-01-05T10:00:00Z").toEpochMilli());
    final Clock clock = new Clock() {
      @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
      @Override public Clock withZone(ZoneId zone) { return this; }
      @Override public Instant instant() { return Instant.ofEpochMilli(nowMs.get()); }
    };
    final String region = "test-" + REGIONS.incrementAndGet();
    final FakeFleet fleet = new FakeFleet(clock, "i-" + region);
    final GpuInstanceRepository rows = new GpuInstanceRepository(client);
    final MetricsRepository metrics = new MetricsRepository(client);
    final AutoscalingStateRepository status = new AutoscalingStateRepository(client);
    /** Simulated in-flight requests per instance (the agents report them in their heartbeat). */
    final Map<String, Integer> inFlight = new HashMap<>();
    /** Instances whose agent never starts, or stopped heart-beating. */
    final List<String> silent = new ArrayList<>();
    LoopConfig loopConfig = LoopConfig.defaults();
    final AutoscalerLoop loop;
    Double rps = null;
    final List<TickResult> results = new ArrayList<>();

    World() {
      this(LoopConfig.defaults());
    }

    World(LoopConfig loopConfig) {
      this.loopConfig = loopConfig;
      this.loop = newLoop("as-1");
    }

    AutoscalerLoop newLoop(String holder) {
      return new AutoscalerLoop(region, holder, new ScalingPolicy(ScalingConfig.defaults()), loopConfig, fleet, client,
          new LeaseManager(client, clock), clock);
    }

    Instant now() {
      return clock.instant();
    }

    /** n instances already serving (launched through the fleet, joined READY). */
    void serving(int n) {
      for (String id : fleet.launch(n)) {
        join(id);
      }
    }

    void join(String id) {
      GpuInstanceItem item = new GpuInstanceItem();
      item.setRegion(region);
      item.setInstanceId(id);
      item.setEndpoint("http://" + id);
      item.setState(InstanceState.READY.name());
      item.setHealth(100);
      item.setHeartbeatAtMillis(nowMs.get());
      item.setStartedAtMillis(nowMs.get());
      rows.put(item).join();
    }

    /** The agents: running fleet instances join after BOOT, and every joined one heartbeats (keeping DRAINING). */
    void agents() {
      Map<String, GpuInstanceItem> byId = new HashMap<>();
      for (GpuInstanceItem item : rows.listRegion(region).join()) {
        byId.put(item.getInstanceId(), item);
      }
      for (String id : fleet.running()) {
        if (silent.contains(id)) {
          continue;
        }
        GpuInstanceItem item = byId.get(id);
        if (item == null) {
          if (!now().isBefore(fleet.get(id).launchedAt().plus(BOOT))) {
            join(id);
          }
          continue;
        }
        item.setHeartbeatAtMillis(nowMs.get());
        item.setInFlight(inFlight.getOrDefault(id, 0));
        rows.put(item).join();
      }
    }

    void routers() {
      if (rps == null) {
        return;
      }
      MetricItem m = new MetricItem();
      m.setSeries("router#" + region + "#r1");
      m.setRegion(region);
      m.setWindowStartMillis(nowMs.get() - TICK.toMillis());
      m.setWindowMillis(TICK.toMillis());
      m.setRps(rps);
      m.setRequests(Math.round(rps * 10));
      metrics.put(m).join();
    }

    TickResult step() {
      nowMs.addAndGet(TICK.toMillis());
      routers();
      agents();
      TickResult r = loop.tick(now());
      assertThat(r.outcome()).as(r.detail()).isEqualTo(TickResult.Outcome.ACTED);
      results.add(r);
      return r;
    }

    List<TickResult> run(Duration d) {
      List<TickResult> out = new ArrayList<>();
      for (long s = 0; s < d.toSeconds(); s += TICK.toSeconds()) {
        out.add(step());
      }
      return out;
    }

    AutoscalingStateItem row() {
      return status.get(region).join();
    }

    String state(String id) {
      return rows.get(region, id).join().getState();
    }

    List<String> launchedIn(List<TickResult> ticks) {
      return ticks.stream().flatMap(t -> t.launched().stream()).toList();
    }
  }

  @Test
  void sustainedLoadLaunchesOnceAndLaunchingInstancesCountThroughTheColdStart() {
    World w = new World();
    w.serving(2);
    w.rps = 60.0; // 30 per ready instance, target 12

    List<TickResult> firstTwoMinutes = w.run(Duration.ofSeconds(110));
    assertThat(w.launchedIn(firstTwoMinutes)).isEmpty();
    List<TickResult> trigger = w.run(Duration.ofSeconds(20));
    assertThat(w.launchedIn(trigger)).hasSize(3); // ceil(60 / 12) = 5
    AutoscalingStateItem row = w.row();
    assertThat(row.getDesiredCapacity()).isEqualTo(5);
    assertThat(row.getLastDirection()).isEqualTo("UP");
    assertThat(row.getLastReason()).contains("scaling up to ceil(60.0 sustained / 12) = 5").contains("launching 3");
    assertThat(row.getMetricsStatus()).isEqualTo("FRESH");

    // The cold start: more load adds only the increment, the same load nothing.
    w.rps = 66.0;
    List<TickResult> coldStart = w.run(Duration.ofMinutes(4));
    assertThat(w.launchedIn(coldStart)).hasSize(1); // ceil(66 / 12) = 6: one more, not a second wave
    row = w.row();
    assertThat(row.getCurrent()).isEqualTo(2);
    assertThat(row.getLaunching()).isEqualTo(4);
    assertThat(row.getDesiredCapacity()).isEqualTo(6);

    w.run(Duration.ofMinutes(3)); // they join READY after the 5-minute boot
    row = w.row();
    assertThat(row.getCurrent()).isEqualTo(6);
    assertThat(row.getLaunching()).isZero();
    assertThat(w.fleet.launched).hasSize(2 + 4);
    assertThat(w.fleet.terminated).isEmpty();
  }

  @Test
  void loadRemovedDrainsTheExcessAndTerminatesOnlyIdleOrTimedOutInstances() {
    World w = new World(LoopConfig.defaults().withDrainTimeout(Duration.ofMinutes(3)));
    w.serving(5);
    w.rps = 5.0; // below 50 % of 12 x 5

    List<TickResult> beforeWindow = w.run(Duration.ofMinutes(9).plusSeconds(50));
    assertThat(beforeWindow).allSatisfy(t -> assertThat(t.drained()).isEmpty());
    // Make the least loaded choice visible: i-...-000 and -001 carry requests, so the other three are drained.
    List<String> ids = w.fleet.running();
    w.inFlight.put(ids.get(0), 3);
    w.inFlight.put(ids.get(1), 2);
    w.inFlight.put(ids.get(4), 1); // drained too (3 must go), stays busy: terminated by the timeout
    List<TickResult> after = w.run(Duration.ofSeconds(20));
    List<String> drained = after.stream().flatMap(t -> t.drained().stream()).toList();
    assertThat(drained).containsExactlyInAnyOrder(ids.get(2), ids.get(3), ids.get(4)); // down to min 2
    assertThat(w.row().getDesiredCapacity()).isEqualTo(2);
    assertThat(w.row().getLastDirection()).isIn("DOWN", "HOLD");
    for (String id : drained) {
      assertThat(w.state(id)).isIn("DRAINING", "TERMINATED");
    }

    // The idle ones are terminated at the next tick; the busy one only after the drain timeout.
    w.run(Duration.ofSeconds(20));
    assertThat(w.fleet.terminated).containsExactlyInAnyOrder(ids.get(2), ids.get(3));
    assertThat(w.state(ids.get(2))).isEqualTo("TERMINATED");
    assertThat(w.state(ids.get(4))).isEqualTo("DRAINING");
    assertThat(w.row().getDraining()).isEqualTo(1);
    w.run(Duration.ofMinutes(2));
    assertThat(w.fleet.terminated).doesNotContain(ids.get(4));
    w.run(Duration.ofMinutes(1));
    assertThat(w.fleet.terminated).contains(ids.get(4));
    assertThat(w.results.stream().map(TickResult::detail).filter(d -> d.contains("drain timeout")).toList())
        .hasSize(1);
    assertThat(w.fleet.running()).containsExactlyInAnyOrder(ids.get(0), ids.get(1));
    w.run(Duration.ofMinutes(1));
    assertThat(w.row().getCurrent()).isEqualTo(2);
    assertThat(w.row().getDraining()).isZero();
    assertThat(w.fleet.launched).hasSize(5);
  }

  @Test
  void staleThenMissingMetricsNeverScaleDownAndTheStatusSaysSo() {
    World w = new World();
    w.serving(5);
    w.rps = 5.0;
    w.run(Duration.ofMinutes(5));
    w.rps = null; // the routers stop reporting

    w.run(Duration.ofSeconds(80));
    AutoscalingStateItem row = w.row();
    assertThat(row.getMetricsStatus()).isEqualTo("STALE");
    assertThat(row.getLastReason()).contains("metrics stale");
    assertThat(row.getMetricsAgeMillis()).isGreaterThan(60_000L);

    List<TickResult> later = w.run(Duration.ofMinutes(12)); // past the 10-minute down window and the 5-minute lookback
    row = w.row();
    assertThat(row.getMetricsStatus()).isEqualTo("MISSING");
    assertThat(row.getLastReason()).contains("metrics missing");
    assertThat(row.getRps()).isNull();
    assertThat(row.getDesiredCapacity()).isEqualTo(5);
    assertThat(later).allSatisfy(t -> {
      assertThat(t.drained()).isEmpty();
      assertThat(t.decision().direction()).isNotEqualTo(Direction.DOWN);
    });
    assertThat(w.fleet.terminated).isEmpty();
  }

  @Test
  void anOverrideWinsUntilItExpiresThenTheRulesResume() {
    World w = new World();
    w.serving(2);
    w.rps = 5.0;
    w.run(Duration.ofMinutes(1));
    long until = w.nowMs.get() + Duration.ofMinutes(15).toMillis();
    w.status.setOverride(w.region, 4, until, "sre-alice", w.nowMs.get()).join();

    TickResult first = w.step();
    assertThat(first.launched()).hasSize(2);
    assertThat(first.decision().reason()).startsWith("SRE override: 4");
    List<TickResult> during = w.run(Duration.ofMinutes(14));
    assertThat(during).allSatisfy(t -> assertThat(t.drained()).isEmpty());
    AutoscalingStateItem row = w.row();
    assertThat(row.getDesiredCapacity()).isEqualTo(4);
    assertThat(row.getOverrideBy()).isEqualTo("sre-alice");
    assertThat(row.getCurrent()).isEqualTo(4); // joined after the boot delay

    // Expired: the low load has been below 50 % for the whole 10-minute window, so the rules go back to 2.
    List<TickResult> after = w.run(Duration.ofMinutes(1));
    assertThat(after.stream().flatMap(t -> t.drained().stream()).toList()).hasSize(2);
    row = w.row();
    assertThat(row.getDesiredCapacity()).isEqualTo(2);
    assertThat(row.getOverrideUntilMillis()).isNull();
    assertThat(row.getOverrideBy()).isNull();

    // The runbook's raw DynamoDB update (no version bump) also wins.
    client.dynamo().updateItem(b -> b.tableName("autoscaling_state")
        .key(Map.of("region", AttributeValue.fromS(w.region)))
        .updateExpression("SET desired_capacity = :d, override_until = :u")
        .expressionAttributeValues(Map.of(":d", AttributeValue.fromN("3"),
            ":u", AttributeValue.fromN(Long.toString(w.nowMs.get() + 600_000)))))
        .join();
    TickResult raw = w.step();
    assertThat(raw.decision().desired()).isEqualTo(3);
    assertThat(raw.decision().reason()).startsWith("SRE override: 3");
  }

  @Test
  void onlyTheLeaseHolderWritesAndAPausedLeaderIsFencedOff() {
    World w = new World();
    w.rps = 5.0;
    w.routers();
    AutoscalerLoop a = w.loop;
    AutoscalerLoop b = w.newLoop("as-2");

    TickResult byA = a.tick(w.now());
    assertThat(byA.outcome()).isEqualTo(TickResult.Outcome.ACTED);
    assertThat(byA.launched()).hasSize(2); // min 2 from nothing
    assertThat(b.tick(w.now()).outcome()).isEqualTo(TickResult.Outcome.NOT_LEADER);
    assertThat(w.row().getActor()).isEqualTo("as-1");
    assertThat(w.fleet.launched).hasSize(2);

    // An override asks for 6; A decides to launch 4 more, then pauses (GC, VM freeze) past its lease before writing.
    w.status.setOverride(w.region, 6, w.nowMs.get() + 3_600_000, "sre", w.nowMs.get()).join();
    long tokenA = w.row().getFencingToken();
    List<TickResult> byB = new ArrayList<>();
    a.beforeWrite(() -> {
      w.nowMs.addAndGet(w.loopConfig.leaseTtl().toMillis() + 1_000);
      w.routers();
      byB.add(b.tick(w.now())); // B takes the expired lease (token + 1), decides and writes
    });
    TickResult paused = a.tick(w.now());
    a.beforeWrite(() -> {});

    assertThat(byB).singleElement().satisfies(r -> {
      assertThat(r.outcome()).isEqualTo(TickResult.Outcome.ACTED);
      assertThat(r.launched()).hasSize(4);
    });
    assertThat(paused.outcome()).isEqualTo(TickResult.Outcome.FENCED);
    assertThat(paused.launched()).isEmpty();
    assertThat(a.leader()).isFalse();
    assertThat(w.fleet.launched).hasSize(6); // not 10: A did not act
    AutoscalingStateItem row = w.row();
    assertThat(row.getActor()).isEqualTo("as-2");
    assertThat(row.getFencingToken()).isEqualTo(tokenA + 1);

    // A comes back: B holds the lease, so A neither writes nor acts.
    assertThat(a.tick(w.now()).outcome()).isEqualTo(TickResult.Outcome.NOT_LEADER);
    assertThat(b.tick(w.now()).outcome()).isEqualTo(TickResult.Outcome.ACTED);

    // The fence itself: a write with A's older token is refused even with the current version.
    AutoscalingStateItem stale = w.row();
    stale.setDesiredCapacity(1);
    try {
      w.status.writeFenced(stale, tokenA).join();
      throw new AssertionError("a stale token's write landed");
    } catch (CompletionException e) {
      assertThat(e.getCause()).isInstanceOf(WriteRejectedException.class);
    }

    // B pauses past its lease without ticking; A takes over; B's renew fails and it stops acting.
    w.nowMs.addAndGet(w.loopConfig.leaseTtl().toMillis() + 1_000);
    w.routers();
    assertThat(a.tick(w.now()).outcome()).isEqualTo(TickResult.Outcome.ACTED);
    assertThat(b.tick(w.now()).outcome()).isEqualTo(TickResult.Outcome.LOST_LEASE);
    assertThat(b.leader()).isFalse();
    a.close(); // releases the lease: B takes over at once
    assertThat(b.tick(w.now()).outcome()).isEqualTo(TickResult.Outcome.ACTED);
  }

  @Test
  void instancesThatNeverJoinOrDieAreTerminatedAndReplaced() {
    World w = new World(LoopConfig.defaults().withJoinTimeout(Duration.ofMinutes(8)));
    w.serving(2);
    w.rps = 10.0;
    List<String> original = w.fleet.running();
    // An override launches a third instance whose agent never starts.
    w.status.setOverride(w.region, 3, w.nowMs.get() + 3_600_000, "sre", w.nowMs.get()).join();
    TickResult launch = w.step();
    String neverJoins = launch.launched().get(0);
    w.silent.add(neverJoins);
    w.run(Duration.ofMinutes(7).plusSeconds(40));
    assertThat(w.fleet.terminated).isEmpty();
    assertThat(w.row().getLaunching()).isEqualTo(1);

    List<TickResult> timeout = w.run(Duration.ofSeconds(30));
    assertThat(w.fleet.terminated).containsExactly(neverJoins);
    assertThat(timeout.stream().map(TickResult::detail).filter(d -> d.contains("never joined")).toList()).isNotEmpty();
    // The desired 3 stands, so the loop launches a replacement.
    assertThat(w.launchedIn(timeout)).hasSize(1);

    // One serving instance stops heart-beating: after 30 s it is counted dead, terminated and replaced.
    w.silent.add(original.get(0));
    List<TickResult> death = w.run(Duration.ofSeconds(50));
    assertThat(w.fleet.terminated).contains(original.get(0));
    assertThat(death.stream().map(TickResult::detail).filter(d -> d.contains("died")).toList()).isNotEmpty();
    assertThat(w.launchedIn(death)).hasSize(1);
    assertThat(w.state(original.get(0))).isEqualTo("TERMINATED");
  }

  @Test
  void policyStateRoundTripsThroughItsCompactJson() {
    World w = new World();
    w.serving(2);
    w.rps = 30.0;
    w.run(Duration.ofMinutes(1));
    AutoscalingStateItem row = w.row();
    var decoded = PolicyStateCodec.decode(row.getPolicyState(), row.getLastReason());
    assertThat(decoded.window()).hasSize(6);
    assertThat(decoded.aboveSince()).isNotNull();
    assertThat(decoded.desired()).isEqualTo(2);
    assertThat(PolicyStateCodec.encode(decoded)).isEqualTo(row.getPolicyState());
    assertThat(PolicyStateCodec.decode("not json", null).window()).isEmpty();
    assertThat(row.getPolicyState().length()).isLessThan(400);
  }
}
