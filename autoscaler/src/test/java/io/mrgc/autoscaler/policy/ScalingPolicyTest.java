package io.mrgc.autoscaler.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScalingPolicyTest {
  static final Instant T0 = Instant.parse("2025-01-06T10:00:00Z");
  static final Duration TICK = Duration.ofSeconds(10);

  final ScalingPolicy policy = new ScalingPolicy(ScalingConfig.defaults());

  /** Drives the policy tick by tick in virtual time. */
  final class Loop {
    Instant now = T0;
    PolicyState state = PolicyState.initial();
    Decision last;
    final List<Decision> actions = new ArrayList<>();

    Decision tick(ScalingInputs in) {
      ScalingPolicy.Result r = policy.decide(state, in);
      state = r.state();
      last = r.decision();
      if (last.isAction()) {
        actions.add(last);
      }
      now = now.plus(TICK);
      return last;
    }

    Decision tick(double rps, int ready, int launching) {
      return tick(ScalingInputs.of(now, rps, ready, launching));
    }

    /** Ticks for {@code d} at a constant load and fleet; returns the actions taken. */
    List<Decision> run(Duration d, double rps, int ready, int launching) {
      int before = actions.size();
      for (long s = 0; s < d.toSeconds(); s += TICK.toSeconds()) {
        tick(rps, ready, launching);
      }
      return List.copyOf(actions.subList(before, actions.size()));
    }
  }

  @Test
  void scalesUpOnlyAfterTwoMinutesAboveTargetToCeilRpsOverTarget() {
    Loop loop = new Loop();
    assertThat(loop.run(Duration.ofSeconds(120), 60, 2, 0)).isEmpty(); // 0 s .. 110 s above: not yet 2 min
    assertThat(loop.last.reason()).contains("above target for 1 min 50 s of 2 min");
    Decision up = loop.tick(60, 2, 0);
    assertThat(up.direction()).isEqualTo(Direction.UP);
    assertThat(up.desired()).isEqualTo(5); // ceil(60 / 12)
    assertThat(up.reason()).contains("above target 12 for 2 min").contains("scaling up to ceil(60.0 sustained / 12) = 5");
  }

  @Test
  void aDipBelowTargetRestartsTheScaleUpWindow() {
    Loop loop = new Loop();
    loop.run(Duration.ofSeconds(90), 30, 2, 0);
    loop.run(Duration.ofSeconds(70), 10, 2, 0); // the 1-min mean falls below 24 RPS
    assertThat(loop.state.aboveSince()).isNull();
    assertThat(loop.run(Duration.ofSeconds(100), 30, 2, 0)).isEmpty();
  }

  @Test
  void launchingInstancesCountAsCapacityNoSecondScaleUpDuringAFiveMinuteColdStart() {
    Loop loop = new Loop();
    assertThat(loop.run(Duration.ofSeconds(130), 100, 2, 0)).extracting(Decision::desired).containsExactly(9);
    // Five minutes of cold start: 7 launching, only 2 ready, RPS per ready instance far above target all along.
    // Requests queue meanwhile, but the policy sees the arrival rate, which is unchanged: no second scale-up.
    assertThat(loop.run(Duration.ofMinutes(5), 100, 2, 7)).isEmpty();
    assertThat(loop.last.reason()).contains("capacity 9 (launching counted) covers the sustained 100.0 RPS");
    assertThat(loop.run(Duration.ofMinutes(10), 100, 9, 0)).isEmpty();
  }

  @Test
  void moreLoadDuringAColdStartAddsOnlyTheIncrement() {
    Loop loop = new Loop();
    loop.run(Duration.ofSeconds(130), 100, 2, 0); // up to 9
    List<Decision> more = loop.run(Duration.ofMinutes(5), 130, 2, 7);
    // As the 2-minute mean climbs from 100 to 130 the policy adds what it covers, never past ceil(130 / 12).
    assertThat(more).isNotEmpty().allSatisfy(d -> {
      assertThat(d.direction()).isEqualTo(Direction.UP);
      assertThat(d.desired()).isLessThanOrEqualTo(11);
    });
    assertThat(more.get(more.size() - 1).desired()).isEqualTo(11);
  }

  @Test
  void scalesDownDirectlyAfterTenMinutesBelowHalfTheTarget() {
    Loop loop = new Loop();
    assertThat(loop.run(Duration.ofMinutes(10), 40, 10, 0)).isEmpty(); // 40 < 0.5 x 12 x 10 = 60
    assertThat(loop.last.reason()).contains("below 50 % of target for 9 min 50 s of 10 min");
    Decision down = loop.tick(40, 10, 0);
    assertThat(down.direction()).isEqualTo(Direction.DOWN);
    assertThat(down.desired()).isEqualTo(4); // ceil(40 / 12)
    assertThat(down.reason()).contains("scaling down to ceil(40.0 peak / 12) = 4");
  }

  @Test
  void noScaleDownBetweenHalfTargetAndTarget() {
    Loop loop = new Loop();
    assertThat(loop.run(Duration.ofHours(1), 70, 10, 0)).isEmpty(); // 7 per instance: inside the band
    assertThat(loop.last.reason()).contains("within band");
  }

  @Test
  void scaleDownCooldownAfterAScaleDown() {
    Loop loop = new Loop();
    loop.run(Duration.ofMinutes(9), 20, 10, 0); // below 50 % since 10:00
    // An SRE scales down to 8 for two minutes at 10:09: a scale-down, so the cooldown runs until 10:14.
    ScalingOverride override = new ScalingOverride(8, loop.now.plus(Duration.ofMinutes(2)));
    while (loop.now.isBefore(override.until())) {
      loop.tick(ScalingInputs.of(loop.now, 20, loop.actions.isEmpty() ? 10 : 8, 0).withOverride(override));
    }
    assertThat(loop.actions).extracting(Decision::desired).containsExactly(8);
    // Expired at 10:11: below for 11 minutes, the rules want 2, but the cooldown holds until 10:14.
    List<Decision> inCooldown = loop.run(Duration.ofMinutes(3), 20, 8, 0);
    assertThat(inCooldown).isEmpty();
    assertThat(loop.last.reason()).contains("in the scale-down cooldown until 2025-01-06T10:14:00Z: holding 8");
    Decision after = loop.tick(20, 8, 0);
    assertThat(after.direction()).isEqualTo(Direction.DOWN);
    assertThat(after.desired()).isEqualTo(2);
    assertThat(after.at()).isEqualTo(Instant.parse("2025-01-06T10:14:00Z"));
  }

  @Test
  void scaleUpIsNotBlockedByARecentScaleDownsCooldown() {
    Loop loop = new Loop();
    loop.run(Duration.ofSeconds(610), 40, 10, 0); // down to 4 at 10:10:00
    assertThat(loop.actions).extracting(Decision::direction).containsExactly(Direction.DOWN);
    Instant scaledDown = loop.state.lastScaleDownAt();
    List<Decision> ups = loop.run(Duration.ofMinutes(3), 90, 4, 0);
    assertThat(ups).hasSize(1);
    assertThat(ups.get(0).direction()).isEqualTo(Direction.UP);
    assertThat(ups.get(0).desired()).isEqualTo(8);
    assertThat(ups.get(0).at()).isBefore(scaledDown.plus(Duration.ofMinutes(5)));
  }

  @Test
  void missingMetricsNeverScaleDown() {
    Loop loop = new Loop();
    loop.run(Duration.ofMinutes(9), 10, 10, 0); // almost ten minutes below: then the metrics stop
    for (int i = 0; i < 120; i++) {
      Decision d = loop.tick(new ScalingInputs(loop.now, Optional.empty(), 10, 0, 0, Optional.empty(), List.of()));
      assertThat(d.direction()).isEqualTo(Direction.HOLD);
      assertThat(d.desired()).isEqualTo(10);
    }
    assertThat(loop.last.reason()).startsWith("metrics missing: holding 10 (never scaling down without data)");
    assertThat(loop.state.belowSince()).isNull();
  }

  @Test
  void staleMetricsNeverScaleDownAndSaySo() {
    Loop loop = new Loop();
    loop.run(Duration.ofMinutes(9), 10, 10, 0);
    RpsSample old = new RpsSample(loop.now.minusSeconds(10), 10);
    for (int i = 0; i < 120; i++) {
      Decision d = loop.tick(new ScalingInputs(loop.now, Optional.of(old), 10, 0, 0, Optional.empty(), List.of()));
      assertThat(d.desired()).isEqualTo(10);
    }
    assertThat(loop.last.reason())
        .startsWith("metrics stale (last sample 1200 s old, limit 60 s): holding 10 (never scaling down");
    // Fresh again: the 10-minute window starts over.
    assertThat(loop.run(Duration.ofMinutes(9), 10, 10, 0)).isEmpty();
  }

  @Test
  void neverBelowMin() {
    Loop loop = new Loop();
    assertThat(loop.run(Duration.ofHours(1), 0.5, 2, 0)).isEmpty();
    assertThat(loop.last.desired()).isEqualTo(2);
    Loop empty = new Loop();
    Decision d = empty.tick(0, 0, 0);
    assertThat(d.direction()).isEqualTo(Direction.UP);
    assertThat(d.desired()).isEqualTo(2);
    assertThat(d.reason()).contains("raised to 2 (min 2)");
  }

  @Test
  void neverAboveMax() {
    Loop loop = new Loop();
    List<Decision> ups = loop.run(Duration.ofMinutes(3), 1000, 4, 0);
    assertThat(ups).extracting(Decision::desired).containsExactly(20);
    assertThat(ups.get(0).reason()).contains("clamped to max 20");
    assertThat(loop.run(Duration.ofMinutes(10), 1000, 4, 16)).isEmpty();
  }

  @Test
  void overrideWinsUntilItExpiresThenThePolicyResumes() {
    Loop loop = new Loop();
    ScalingOverride override = new ScalingOverride(15, T0.plus(Duration.ofMinutes(30)));
    List<Decision> during = new ArrayList<>();
    while (loop.now.isBefore(override.until())) {
      during.add(loop.tick(ScalingInputs.of(loop.now, 20, 10, 0).withOverride(override)));
    }
    assertThat(during).allSatisfy(d -> {
      assertThat(d.desired()).isEqualTo(15);
      assertThat(d.reason()).isEqualTo("SRE override: 15 until 2025-01-06T10:30:00Z");
    });
    assertThat(during.get(0).direction()).isEqualTo(Direction.UP);
    // Expired: the low load had been tracked all along, so the rules act at once.
    Decision after = loop.tick(ScalingInputs.of(loop.now, 20, 15, 0).withOverride(override));
    assertThat(after.direction()).isEqualTo(Direction.DOWN);
    assertThat(after.desired()).isEqualTo(2);
  }

  @Test
  void overrideIsClampedToOneAndMaxAndSaysSo() {
    Loop loop = new Loop();
    Instant until = T0.plus(Duration.ofMinutes(30));
    Decision high = loop.tick(ScalingInputs.of(loop.now, 20, 4, 0).withOverride(new ScalingOverride(50, until)));
    assertThat(high.desired()).isEqualTo(20);
    assertThat(high.reason()).isEqualTo("SRE override: 20 until 2025-01-06T10:30:00Z (asked for 50, clamped to [1, max 20])");
    Decision low = loop.tick(ScalingInputs.of(loop.now, 20, 20, 0).withOverride(new ScalingOverride(0, until)));
    assertThat(low.desired()).isEqualTo(1); // below min 2: an SRE may go to 1, never 0
    assertThat(low.direction()).isEqualTo(Direction.DOWN);
  }

  @Test
  void failoverRaisesTheFloorAtOnce() {
    Loop loop = new Loop();
    loop.run(Duration.ofMinutes(5), 48, 6, 0);
    List<PeerRegion> peers = List.of(new PeerRegion("eu-west-1", PeerRegion.FAILOVER_ACTIVE, 120, 0.5),
        new PeerRegion("ap-northeast-1", PeerRegion.NORMAL, 200, 0.5));
    Decision d = loop.tick(ScalingInputs.of(loop.now, 48, 6, 0).withPeers(peers));
    assertThat(d.direction()).isEqualTo(Direction.UP);
    assertThat(d.desired()).isEqualTo(9); // ceil((48 + 0.5 x 120) / 12)
    assertThat(d.reason()).contains("failover floor 9 = ceil((48.0 own + 0.50 x 120.0 from eu-west-1 (FAILOVER_ACTIVE)) / 12)");
    List<PeerRegion> degraded = List.of(new PeerRegion("eu-west-1", PeerRegion.DEGRADED, 120, 0.5));
    assertThat(loop.tick(ScalingInputs.of(loop.now, 48, 9, 0).withPeers(degraded)).desired()).isEqualTo(9);
  }

  @Test
  void noScaleDownWhileAnotherRegionIsNotNormal() {
    Loop loop = new Loop();
    List<PeerRegion> recovering = List.of(new PeerRegion("eu-west-1", PeerRegion.RECOVERING, 0, 0.5));
    for (int i = 0; i < 120; i++) {
      loop.tick(ScalingInputs.of(loop.now, 10, 10, 0).withPeers(recovering));
    }
    assertThat(loop.actions).isEmpty();
    assertThat(loop.last.reason()).contains("eu-west-1 is RECOVERING: no scale-down while a region fails over");
  }

  @Test
  void deterministic() {
    ScalingInputs in = ScalingInputs.of(T0, 77, 3, 1);
    assertThat(policy.decide(PolicyState.initial(), in)).isEqualTo(policy.decide(PolicyState.initial(), in));
  }

  /** Steady load with +-30 % uniform noise, 6 hours at 10 s ticks, a 5-minute cold start: no flapping. */
  @ParameterizedTest
  @ValueSource(ints = {20, 60, 100, 180})
  void noFlappingUnderSteadyNoisyLoad(int mean) {
    Random random = new Random(42L + mean);
    Loop loop = new Loop();
    List<Long> readyAt = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      readyAt.add(T0.toEpochMilli());
    }
    for (int tick = 0; tick < 6 * 360; tick++) {
      long now = loop.now.toEpochMilli();
      int ready = (int) readyAt.stream().filter(r -> r <= now).count();
      double rps = mean * (1 + (random.nextDouble() * 0.6 - 0.3));
      Decision d = loop.tick(rps, ready, readyAt.size() - ready);
      while (readyAt.size() < d.desired()) {
        readyAt.add(now + Duration.ofMinutes(5).toMillis());
      }
      while (readyAt.size() > d.desired()) {
        readyAt.remove(readyAt.size() - 1);
      }
    }
    List<Instant> reversals = new ArrayList<>();
    for (int i = 1; i < loop.actions.size(); i++) {
      if (loop.actions.get(i).direction() != loop.actions.get(i - 1).direction()) {
        reversals.add(loop.actions.get(i).at());
      }
    }
    for (int i = 1; i < reversals.size(); i++) {
      assertThat(Duration.between(reversals.get(i - 1), reversals.get(i))).isGreaterThanOrEqualTo(Duration.ofMinutes(30));
    }
    assertThat(reversals.size()).isLessThanOrEqualTo(6 * 2);
    assertThat(loop.actions.size()).as("actions %s", loop.actions).isLessThanOrEqualTo(5);
  }
}
