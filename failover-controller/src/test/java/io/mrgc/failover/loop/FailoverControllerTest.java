package io.mrgc.failover.loop;

import static io.mrgc.failover.loop.ClusterWorld.gauge;
import static io.mrgc.failover.loop.ClusterWorld.is;
import static io.mrgc.failover.machine.FailoverState.FAILOVER_ACTIVE;
import static io.mrgc.failover.machine.FailoverState.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mrgc.failover.health.Verdict;
import io.mrgc.failover.machine.Change;
import io.mrgc.failover.machine.FailoverState;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.failover.state.TransitionItem;
import io.mrgc.state.Lease;
import io.mrgc.state.LeaseManager;
import io.mrgc.state.LocalState;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.StateClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three controllers against DynamoDB Local in virtual time: observations, the two-observer rule, leases, fencing, and
 * the meters they export.
 */
class FailoverControllerTest {
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

  @Test
  void aFailedRegionIsEvacuatedByTheOtherRegionsAndComesBackGradually() {
    ClusterWorld w = new ClusterWorld(client);
    w.rounds(3);
    assertThat(w.regions).allSatisfy(r -> assertThat(w.row(r).getFailoverState()).isEqualTo("NORMAL"));
    // Each region is decided in the other regions: its own controller never leads it.
    assertThat(w.controllers.get(w.a()).leads(w.a())).isFalse();
    FailoverController leader = w.leaderOf(w.a());

    w.kill(w.a());
    w.roundsUntil(w.a(), is(FAILOVER_ACTIVE, 0), 10);
    // Routers read the same row and fail /healthz/region from here on.
    assertThat(new RoutingStateRepository(client).get(w.a()).join().getFailoverState()).isEqualTo("FAILOVER_ACTIVE");
    assertThat(w.row(w.b()).getFailoverState()).isEqualTo("NORMAL");

    w.revive(w.a());
    w.roundsUntil(w.a(), is(NORMAL, 100), 40);

    FailoverRowItem row = w.row(w.a());
    assertThat(row.getHistory()).extracting(t -> t.getToState() + "/" + t.getToDial()).containsExactly(
        "DEGRADED/100", "FAILOVER_ACTIVE/0", "FAILOVER_ACTIVE/10", "RECOVERING/10", "RECOVERING/50",
        "RECOVERING/100", "NORMAL/100");
    assertThat(w.leaderOf(w.a())).isSameAs(leader);
    assertThat(row.getHistory()).allSatisfy(t -> {
      assertThat(t.getActor()).isEqualTo(leader.id());
      assertThat(t.getToken()).isEqualTo(row.getFencingToken());
      assertThat(t.getReason()).isNotBlank();
    });
    assertThat(row.getHistory()).extracting(TransitionItem::getAtMillis).isSorted();
    assertThat(row.getHistory().get(1).getReason()).startsWith("FAILED for ").contains(" of 3 observers [")
        .contains("probe unreachable");
    assertThat(row.getDialApplied()).isEqualTo(100);
    w.close();
  }

  @Test
  void oneObserverAloneCannotFailARegionButTwoCan() {
    ClusterWorld w = new ClusterWorld(client);
    w.probes.get(w.b()).unreachable(w.a()); // only b's path to a is broken (b is partitioned from a)
    List<Map<String, TickReport>> rounds = w.rounds(20);
    assertThat(w.row(w.a()).getFailoverState()).isEqualTo("NORMAL");
    assertThat(w.row(w.a()).getHistory()).isEmpty();
    // b does see a as FAILED, and says so in its observation; the others outvote it.
    assertThat(rounds.get(19).get(w.b()).observed()).filteredOn(s -> s.region().equals(w.a()))
        .singleElement().satisfies(s -> assertThat(s.verdict()).isEqualTo(Verdict.FAILED));

    w.probes.get(w.c()).unreachable(w.a()); // now two regions cannot reach a
    w.roundsUntil(w.a(), is(FAILOVER_ACTIVE, 0), 10);
    assertThat(w.row(w.a()).getHistory().get(1).getReason()).contains("FAILED by 2 of 3 observers");
    w.close();
  }

  @Test
  void aLoneSurvivingControllerCannotFailARegion() {
    ClusterWorld w = new ClusterWorld(client);
    w.rounds(2);
    w.kill(w.a());
    w.stopped.add(w.a());
    w.stopped.add(w.c()); // only b evaluates: its observations are the only fresh ones
    w.rounds(20);
    FailoverRowItem row = w.row(w.a());
    assertThat(row.getFailoverState()).isEqualTo("NORMAL");

    w.stopped.remove(w.c());
    w.roundsUntil(w.a(), is(FAILOVER_ACTIVE, 0), 10);
    w.close();
  }

  @Test
  void aStaleLeadersWriteIsRejectedAndItStopsActing() {
    ClusterWorld w = new ClusterWorld(client);
    w.rounds(2);
    FailoverController old = w.leaderOf(w.a());
    long[] usurperToken = new long[1];
    old.beforeWrite(() -> {
      // The old leader pauses past its lease between deciding and writing; a new leader takes over and writes.
      old.beforeWrite(() -> {});
      w.clock.advance(Duration.ofSeconds(16));
      LeaseManager leases = new LeaseManager(client, w.clock);
      Lease lease = leases.acquire(FailoverController.leaseName(w.a()), "usurper", Duration.ofSeconds(15))
          .join().orElseThrow();
      usurperToken[0] = lease.fencingToken();
      FailoverRowItem row = w.rows.get(w.a()).join();
      row.apply(new Change(FailoverState.NORMAL, 100, null, "new leader's check"), "usurper", lease.fencingToken(),
          w.clock.millis(), 100);
      w.rows.writeFenced(row, lease.fencingToken()).join();
    });
    w.errorRate(w.a(), 0.2); // IMPAIRED everywhere: the old leader decides NORMAL -> DEGRADED
    RegionOutcome outcome = null;
    for (int i = 0; i < 5 && outcome == null; i++) {
      outcome = w.round().get(w.regionOf(old)).decision(w.a())
          .filter(d -> d.outcome() == RegionOutcome.Outcome.FENCED).orElse(null);
    }

    assertThat(outcome).isNotNull();
    assertThat(outcome.change().state()).isEqualTo(FailoverState.DEGRADED);
    assertThat(old.leads(w.a())).isFalse();
    FailoverRowItem row = w.row(w.a());
    assertThat(row.getFencingToken()).isEqualTo(usurperToken[0]);
    assertThat(row.getHistory()).extracting(TransitionItem::getActor).containsExactly("usurper");
    assertThat(row.getFailoverState()).isEqualTo("NORMAL");
    w.close();
  }

  @Test
  void leadershipMovesWhenTheLeaderStopsAndTheNewLeaderCarriesOn() {
    ClusterWorld w = new ClusterWorld(client);
    w.rounds(2);
    FailoverController first = w.leaderOf(w.a());
    String firstRegion = w.regionOf(first);
    w.stopped.add(firstRegion); // stops without releasing (a crash)
    w.kill(w.a());
    w.roundsUntil(w.a(), is(FAILOVER_ACTIVE, 0), 12);
    FailoverRowItem row = w.row(w.a());
    assertThat(row.getActor()).isNotEqualTo("ctl-" + firstRegion);
    assertThat(row.getFencingToken()).isGreaterThan(1);
    w.close();
  }

  @Test
  void aHaltedControllerKeepsItsLeasesAsACrashedOneWouldAClosedOneGivesThemUp() {
    ClusterWorld w = new ClusterWorld(client);
    w.rounds(1);
    LeaseManager leases = new LeaseManager(client, w.clock);
    Duration ttl = Duration.ofSeconds(15);
    w.leaderOf(w.a()).halt();
    assertThat(leases.acquire(FailoverController.leaseName(w.a()), "standby", ttl).join())
        .as("held until it expires").isEmpty();
    w.leaderOf(w.b()).close();
    assertThat(leases.acquire(FailoverController.leaseName(w.b()), "standby", ttl).join())
        .as("given up at once").isPresent();
    w.close();
  }

  // The meters (withMetrics): the leader's gauges and counters say what it wrote and actuated, the standby's say it
  // does not lead, every observer's verdict gauges say what it saw; and their names as a router's scrape shows them.

  @Test
  void aFailoverShowsInTheLeadersGaugesAndCountersAndTheStandbyShowsItDoesNotLead() {
    ClusterWorld w = new ClusterWorld(client);
    Map<String, MeterRegistry> registries = w.withMetrics(region -> new SimpleMeterRegistry());
    int rounds = failOver(w);
    String leader = w.regionOf(w.leaderOf(w.a()));
    String standby = leader.equals(w.b()) ? w.c() : w.b();
    MeterRegistry led = registries.get(leader);
    MeterRegistry stood = registries.get(standby);

    assertThat(gauge(led, "mrgc.failover.state", w.a())).isEqualTo(2.0); // FAILOVER_ACTIVE
    assertThat(gauge(led, "mrgc.failover.traffic.dial.percent", w.a())).isZero();
    assertThat(gauge(led, "mrgc.failover.dial.applied.percent", w.a())).isZero();
    assertThat(gauge(led, "mrgc.failover.dial.failed.attempts", w.a())).isZero();
    assertThat(gauge(led, "mrgc.failover.leader", w.a())).isEqualTo(1.0);
    assertThat(counts(led, "mrgc.failover.transitions", w.a(), "to"))
        .containsExactlyInAnyOrderEntriesOf(Map.of("DEGRADED", 1.0, "FAILOVER_ACTIVE", 1.0));
    assertThat(counts(led, "mrgc.failover.evaluations", w.a(), "outcome"))
        .containsExactlyInAnyOrderEntriesOf(Map.of("CHANGED", 2.0, "UNCHANGED", rounds - 2.0));

    assertThat(gauge(stood, "mrgc.failover.leader", w.a())).isZero();
    assertThat(gauge(stood, "mrgc.failover.state", w.a())).isNaN();
    assertThat(gauge(stood, "mrgc.failover.traffic.dial.percent", w.a())).isNaN();
    assertThat(counts(stood, "mrgc.failover.transitions", w.a(), "to")).isEmpty();
    assertThat(counts(stood, "mrgc.failover.evaluations", w.a(), "outcome"))
        .containsExactlyInAnyOrderEntriesOf(Map.of("NOT_LEADER", (double) rounds));
    // A region's own controller does not contend for it: no gauges of its decisions there.
    assertThat(registries.get(w.a()).find("mrgc.failover.leader").tag("region", w.a()).gauge()).isNull();

    registries.forEach((observer, registry) -> {
      assertThat(verdict(registry, w.a(), observer)).as(observer + " on a").isEqualTo(2.0); // FAILED
      assertThat(verdict(registry, w.b(), observer)).as(observer + " on b").isZero(); // HEALTHY
    });

    w.close(); // gives the leases up
    assertThat(gauge(led, "mrgc.failover.leader", w.a())).isZero();
    assertThat(gauge(led, "mrgc.failover.state", w.a())).isNaN();
  }

  @Test
  void aRoutersScrapeShowsTheMetersUnderTheirPrometheusNamesTaggedWithTheDecidedRegion() {
    ClusterWorld w = new ClusterWorld(client);
    Map<String, PrometheusMeterRegistry> registries = w.withMetrics(region -> {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      registry.config().commonTags("region", region); // as the router's registry
      return registry;
    });
    failOver(w);
    String leader = w.regionOf(w.leaderOf(w.a()));
    String tags = "{controller_region=\"" + leader + "\",region=\"" + w.a() + "\"} ";

    assertThat(registries.get(leader).scrape()).contains(
        "mrgc_failover_state" + tags + "2.0",
        "mrgc_failover_traffic_dial_percent" + tags + "0.0",
        "mrgc_failover_dial_applied_percent" + tags + "0.0",
        "mrgc_failover_dial_failed_attempts" + tags + "0.0",
        "mrgc_failover_leader" + tags + "1.0",
        "mrgc_failover_verdict{observer=\"" + leader + "\",region=\"" + w.a() + "\"} 2.0",
        "mrgc_failover_transitions_total{controller_region=\"" + leader + "\",region=\"" + w.a()
            + "\",to=\"FAILOVER_ACTIVE\"} 1.0",
        "mrgc_failover_evaluations_total{controller_region=\"" + leader + "\",outcome=\"CHANGED\",region=\""
            + w.a() + "\"} 2.0");
    w.close();
  }

  /** Region a dies and is failed over by the others; the rounds it all took. */
  private static int failOver(ClusterWorld w) {
    w.rounds(2);
    w.kill(w.a());
    return 2 + w.roundsUntil(w.a(), is(FAILOVER_ACTIVE, 0), 10);
  }

  private static double verdict(MeterRegistry registry, String region, String observer) {
    return registry.get("mrgc.failover.verdict").tags(Tags.of("region", region, "observer", observer)).gauge()
        .value();
  }

  /** The region's counters of {@code name} by the value of {@code key}. */
  private static Map<String, Double> counts(MeterRegistry registry, String name, String region, String key) {
    Map<String, Double> counts = new LinkedHashMap<>();
    registry.find(name).tag("region", region).counters().forEach(c -> counts.put(c.getId().getTag(key), c.count()));
    return counts;
  }
}
