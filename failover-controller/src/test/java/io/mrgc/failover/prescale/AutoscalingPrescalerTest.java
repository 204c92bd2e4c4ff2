package io.mrgc.failover.prescale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.failover.TestClock;
import io.mrgc.failover.loop.Prescaler.Readiness;
import io.mrgc.state.AutoscalingStateRepository;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.AutoscalingStateItem;
import io.mrgc.state.items.GpuInstanceItem;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The planned drain's prescaler against DynamoDB Local: what it asks the survivors' autoscalers for, and when. */
class AutoscalingPrescalerTest {
  private static LocalState state;
  private static StateClient client;
  private static AutoscalingStateRepository autoscaling;
  private static GpuInstanceRepository instances;

  private TestClock clock;
  private AutoscalingPrescaler prescaler;
  /** Region names unique to each test: the tables are shared. */
  private String draining;
  private String east;
  private String west;

  @BeforeAll
  static void start() {
    state = LocalState.start();
    client = state.client("us-east-1");
    autoscaling = new AutoscalingStateRepository(client);
    instances = new GpuInstanceRepository(client);
  }

  @AfterAll
  static void stop() {
    state.close();
  }

  @BeforeEach
  void regions() {
    String run = UUID.randomUUID().toString().substring(0, 8);
    draining = "drain-" + run;
    east = "east-" + run;
    west = "west-" + run;
    clock = new TestClock();
    prescaler = new AutoscalingPrescaler(PrescalerConfig.defaults(), client, clock);
  }

  @Test
  void aStepAsksEachSurvivorForItsOwnDemandPlusItsShareAndWaitsUntilThoseInstancesServe() {
    autoscaled(draining, 48.0, 4); // 4 instances of demand at 12 RPS each
    autoscaled(east, 24.0, 2);
    autoscaled(west, 12.0, 2);
    serving(draining, 4);
    serving(east, 2);
    serving(west, 2);

    // 100 -> 50 sheds 2 instances of demand: one each. east needs 2 + 1, west 1 + 1 (it has that already).
    Readiness first = prescaler.prepare(draining, 100, 50, List.of(east, west));

    assertThat(first.ready()).isFalse();
    assertThat(first.detail()).isEqualTo(east + " has 2 of 3 instances serving");
    AutoscalingStateItem eastRow = autoscaling.get(east).join();
    assertThat(eastRow.getDesiredCapacity()).isEqualTo(3);
    assertThat(eastRow.getOverrideBy()).isEqualTo("prescaler: drain of " + draining);
    assertThat(eastRow.getOverrideUntilMillis()).isEqualTo(clock.millis() + Duration.ofMinutes(15).toMillis());
    assertThat(autoscaling.get(west).join().getDesiredCapacity()).as("west has enough: untouched").isEqualTo(2);

    serving(east, 1); // the autoscaler launched the third
    assertThat(prescaler.prepare(draining, 100, 50, List.of(east, west))).isEqualTo(Readiness.READY);
  }

  @Test
  void laterStepsShedTheirFractionOfWhatTheDrainingRegionStillCarries() {
    autoscaled(draining, 24.0, 4); // at dial 50 it carries 2 instances of demand
    autoscaled(east, 60.0, 2); // 5 instances of demand: it already took its share of the first step
    serving(draining, 4);
    serving(east, 5);

    // 50 -> 0 sheds all 2 remaining onto the one survivor: 5 + 2.
    assertThat(prescaler.prepare(draining, 50, 0, List.of(east)).detail()).isEqualTo(east + " has 5 of 7 instances serving");
    assertThat(autoscaling.get(east).join().getDesiredCapacity()).isEqualTo(7);
  }

  @Test
  void callingItEveryEvaluationWritesOnlyWhenTheOverrideMustRiseOrIsHalfSpent() {
    autoscaled(draining, 48.0, 4);
    autoscaled(east, 24.0, 2);
    serving(draining, 4);
    serving(east, 2);

    prescaler.prepare(draining, 100, 50, List.of(east));
    clock.advance(Duration.ofMinutes(7));
    stillRunning(draining);
    long version = stillRunning(east).getVersion();
    prescaler.prepare(draining, 100, 50, List.of(east));
    assertThat(autoscaling.get(east).join().getVersion()).as("nothing to change").isEqualTo(version);

    clock.advance(Duration.ofMinutes(1)); // 7 of 15 minutes left: renewed
    stillRunning(draining);
    stillRunning(east);
    prescaler.prepare(draining, 100, 50, List.of(east));
    AutoscalingStateItem renewed = autoscaling.get(east).join();
    assertThat(renewed.getVersion()).isGreaterThan(version);
    assertThat(renewed.getDesiredCapacity()).isEqualTo(4); // 2 + 48/12 * 0.5: the share is the same
    assertThat(renewed.getOverrideUntilMillis()).isEqualTo(clock.millis() + Duration.ofMinutes(15).toMillis());
  }

  @Test
  void itNeverLowersWhatTheAutoscalerOrAnSreAlreadyAskedFor() {
    autoscaled(draining, 12.0, 2);
    autoscaled(east, 12.0, 10); // the autoscaler keeps 10 for its own reasons
    serving(draining, 2);
    serving(east, 10);

    assertThat(prescaler.prepare(draining, 100, 0, List.of(east))).isEqualTo(Readiness.READY);
    AutoscalingStateItem row = autoscaling.get(east).join();
    assertThat(row.getDesiredCapacity()).isEqualTo(10);
    assertThat(row.getOverrideBy()).isNull();
  }

  @Test
  void aRegionWhoseLoadIsUnknownIsAssumedToNeedEveryInstanceItServesWith() {
    AutoscalingStateItem stale = autoscaled(draining, null, 6);
    stale.setMetricsStatus(AutoscalingStateItem.METRICS_STALE);
    autoscaling.writeFenced(stale, 1).join();
    autoscaled(east, 12.0, 2);
    serving(draining, 6);
    serving(east, 2);

    // 100 -> 0 sheds 6 instances: east needs 1 + 6.
    assertThat(prescaler.prepare(draining, 100, 0, List.of(east)).detail()).isEqualTo(east + " has 2 of 7 instances serving");
  }

  @Test
  void theTargetIsCappedAtTheAutoscalersCeilingSoADrainNeverWaitsForCapacityItWouldRefuse() {
    prescaler = new AutoscalingPrescaler(PrescalerConfig.defaults().withAutoscaling(12, 3), client, clock);
    autoscaled(draining, 1200.0, 3);
    autoscaled(east, 12.0, 2);
    serving(east, 3);

    assertThat(prescaler.prepare(draining, 100, 0, List.of(east))).isEqualTo(Readiness.READY);
    assertThat(autoscaling.get(east).join().getDesiredCapacity()).isEqualTo(3);
  }

  @Test
  void aSurvivorWithoutARunningAutoscalerIsNotWaitedFor() {
    autoscaled(draining, 48.0, 4);
    serving(east, 1); // no autoscaling_state row at all
    AutoscalingStateItem idle = autoscaled(west, 12.0, 2);
    clock.advance(Duration.ofMinutes(5)); // west's autoscaler last decided 5 minutes ago
    serving(west, 1);

    assertThat(prescaler.prepare(draining, 100, 0, List.of(east, west))).isEqualTo(Readiness.READY);
    assertThat(autoscaling.get(east).join()).isNull();
    assertThat(autoscaling.get(west).join().getVersion()).isEqualTo(idle.getVersion());
  }

  @Test
  void noStepDownAsksForNothing() {
    assertThat(prescaler.prepare(draining, 0, 0, List.of(east))).isEqualTo(Readiness.READY);
    assertThat(prescaler.prepare(draining, 100, 50, List.of())).isEqualTo(Readiness.READY);
    assertThat(autoscaling.get(east).join()).isNull();
  }

  @Test
  void badSettingsAreRefusedWithMessagesThatSayWhatToFix() {
    assertThatThrownBy(() -> PrescalerConfig.defaults().withAutoscaling(0, 20))
        .hasMessage("targetRpsPerInstance must be between 1 and 1000, but was 0");
    assertThatThrownBy(() -> PrescalerConfig.defaults().withAutoscaling(12, 101))
        .hasMessage("maxInstances must be between 1 and 100, but was 101");
    assertThatThrownBy(() -> new PrescalerConfig(12, 20, Duration.ofSeconds(30), Duration.ofSeconds(15),
        Duration.ofSeconds(60))).hasMessage("overrideFor must be at least PT1M, but was PT30S");
  }

  /** The row an autoscaler that just ticked leaves: fresh RPS (or none), its desired capacity. */
  private AutoscalingStateItem autoscaled(String region, Double rps, int desired) {
    AutoscalingStateItem row = AutoscalingStateItem.initial(region, clock.millis());
    row.setMetricsStatus(rps == null ? AutoscalingStateItem.METRICS_MISSING : AutoscalingStateItem.METRICS_FRESH);
    row.setRps(rps);
    row.setDesiredCapacity(desired);
    row.setActor("autoscaler-" + region);
    return autoscaling.writeFenced(row, 1).join();
  }

  /** {@code n} more instances serving in {@code region}, heartbeats fresh (READY and WASHING alike count). */
  private void serving(String region, int n) {
    int known = instances.listRegion(region).join().size();
    for (int i = known; i < known + n; i++) {
      GpuInstanceItem item = new GpuInstanceItem();
      item.setRegion(region);
      item.setInstanceId(region + "-i-" + i);
      item.setState(i % 2 == 0 ? "READY" : "WASHING");
      item.setHeartbeatAtMillis(clock.millis());
      instances.put(item).join();
    }
  }

  /** The region's autoscaler ticks again and its instances beat, at the clock's time; returns its row. */
  private AutoscalingStateItem stillRunning(String region) {
    for (GpuInstanceItem item : instances.listRegion(region).join()) {
      item.setHeartbeatAtMillis(clock.millis());
      instances.put(item).join();
    }
    AutoscalingStateItem row = autoscaling.get(region).join();
    row.setDecidedAtMillis(clock.millis());
    return autoscaling.writeFenced(row, 1).join();
  }
}
