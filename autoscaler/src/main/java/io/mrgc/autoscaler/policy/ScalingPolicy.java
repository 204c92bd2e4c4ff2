package io.mrgc.autoscaler.policy;

import io.mrgc.common.Check;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The per-region scaling rules, as a pure function of (state, inputs): no clock, no I/O, deterministic.
 *
 * <p>The above/below checks use the mean RPS of the last {@code smoothing} (1 min: six 10 s windows), so one noisy
 * window neither triggers nor resets them. Capacity means ready + launching instances (or the last desired value, if larger: instances the loop asked
 * for count before the fleet reports them). Draining instances do not count. In order:
 *
 * <ol>
 *   <li><b>SRE override</b>: while unexpired it wins over everything, clamped to [1, max] (the reason says when it
 *       was clamped). Windows keep being tracked, so the rules resume from fresh data when it expires.
 *   <li><b>Stale or missing metrics</b> (no sample, or older than metricsStaleAfter): hold; never scale down (only
 *       the min/max bounds and the failover floor still apply). The reason says the metrics are stale.
 *   <li><b>Scale up</b> when for scaleUpAfter the smoothed RPS per <em>ready</em> instance stayed above target, to
 *       ceil(sustained / target) where sustained is the mean of that window's samples (one noisy sample cannot
 *       overshoot). It acts only if that exceeds capacity, which counts launching
 *       instances: during a cold start the same load does not launch a second time. The signal is the arrival rate,
 *       never a queue length, so requests queued during a cold start do not inflate it. No cooldown on scale-up.
 *   <li><b>Scale down</b> when for scaleDownAfter the smoothed RPS stayed below fraction x target per instance of
 *       capacity, <em>directly</em> to ceil(peak / target) where peak is the highest sample of that window (no
 *       single-step ramp: the 50 % band already leaves the new size at or under target, and the peak keeps it
 *       conservative). Not within scaleDownCooldown of the previous scale-down, and never while another region is
 *       not NORMAL (DEGRADED, FAILOVER_ACTIVE or RECOVERING: its traffic may land here).
 *   <li><b>Bounds</b>: the result is clamped to [floor, max] with floor = max(min, failover floor). When another
 *       region is DEGRADED or FAILOVER_ACTIVE the failover floor is ceil((own + sum(share x its RPS)) / target),
 *       own being the highest sample of the last scaleUpAfter; it applies at once (pre-scaling, no sustain window).
 * </ol>
 */
public final class ScalingPolicy {
  private final ScalingConfig config;
  private final Duration cooldownOnEveryAction;

  public ScalingPolicy(ScalingConfig config) {
    this(config, null);
  }

  private ScalingPolicy(ScalingConfig config, Duration cooldownOnEveryAction) {
    this.config = Check.notNull("config", config);
    this.cooldownOnEveryAction = cooldownOnEveryAction;
  }

  /**
   * The seed's naive policy, kept only for the benchmark's comparison: the same rules plus a cooldown after every
   * action, scale-up included (reference/control.md pitfall 3: a cooldown that blocks scale-up).
   */
  public static ScalingPolicy withCooldownOnEveryAction(ScalingConfig config, Duration cooldown) {
    return new ScalingPolicy(config, Check.positive("cooldown", cooldown));
  }

  public ScalingConfig config() {
    return config;
  }

  /** The result of one tick: the decision and the state to pass to the next tick. */
  public record Result(Decision decision, PolicyState state) {}

  public Result decide(PolicyState state, ScalingInputs in) {
    Check.notNull("state", state);
    Check.notNull("inputs", in);
    Instant now = in.now();
    int target = config.targetRpsPerInstance();
    int fleet = in.ready() + in.launching();
    int capacity = state.desired() == null ? fleet : Math.max(state.desired(), fleet);

    Optional<RpsSample> fresh = in.rps().filter(s -> !s.at().isBefore(now.minus(config.metricsStaleAfter())));
    List<RpsSample> window = window(state.window(), fresh.orElse(null), now);

    Instant aboveSince = null;
    Instant belowSince = null;
    double smoothed = 0;
    if (fresh.isPresent()) {
      smoothed = meanSince(window, now.minus(config.smoothing()).plusMillis(1)).orElse(fresh.get().rps());
      double rps = smoothed;
      boolean above = rps > (double) target * in.ready();
      boolean below = rps < config.scaleDownBelowFraction() * target * capacity;
      aboveSince = above ? (state.aboveSince() != null ? state.aboveSince() : now) : null;
      belowSince = below ? (state.belowSince() != null ? state.belowSince() : now) : null;
    }

    // The floor: min, raised for regions failing over to us.
    int floor = config.minInstances();
    String floorWhy = "min " + config.minInstances();
    List<PeerRegion> failing = in.peers().stream().filter(PeerRegion::failing).toList();
    if (!failing.isEmpty()) {
      double own = maxSince(window, now.minus(config.scaleUpAfter())).orElse(0.0);
      double absorbed = 0;
      StringBuilder parts = new StringBuilder();
      for (PeerRegion p : failing) {
        absorbed += p.share() * p.rps();
        parts.append(String.format(Locale.ROOT, " + %.2f x %.1f from %s (%s)", p.share(), p.rps(), p.region(),
            p.failoverState()));
      }
      int failoverFloor = ceilDiv(own + absorbed, target);
      if (failoverFloor > floor) {
        floor = failoverFloor;
        floorWhy = String.format(Locale.ROOT, "failover floor %d = ceil((%.1f own%s) / %d)", failoverFloor, own,
            parts, target);
      }
    }
    floor = Math.min(floor, config.maxInstances());

    int candidate;
    String reason;
    Optional<ScalingOverride> override = in.override().filter(o -> o.activeAt(now));
    if (override.isPresent()) {
      ScalingOverride o = override.get();
      int d = Math.max(1, Math.min(o.desired(), config.maxInstances()));
      reason = "SRE override: " + d + " until " + o.until()
          + (d != o.desired() ? " (asked for " + o.desired() + ", clamped to [1, max " + config.maxInstances()
              + "])" : "");
      return finish(state, in, window, aboveSince, belowSince, capacity, d, reason);
    } else if (fresh.isEmpty()) {
      candidate = capacity;
      reason = in.rps().isEmpty()
          ? "metrics missing: holding " + capacity + " (never scaling down without data)"
          : "metrics stale (last sample " + Duration.between(in.rps().get().at(), now).toSeconds()
              + " s old, limit " + config.metricsStaleAfter().toSeconds() + " s): holding " + capacity
              + " (never scaling down without data)";
    } else {
      double rps = smoothed;
      String load = String.format(Locale.ROOT, "%.1f RPS (%s mean) on %d ready + %d launching", rps,
          human(config.smoothing()), in.ready(),
          in.launching());
      if (aboveSince != null && !now.isBefore(aboveSince.plus(config.scaleUpAfter()))) {
        double sustained = meanSince(window, now.minus(config.scaleUpAfter())).orElse(rps);
        int needed = ceilDiv(sustained, target);
        if (needed > capacity) {
          candidate = needed;
          reason = String.format(Locale.ROOT,
              "RPS per ready instance above target %d for %s (%s): scaling up to ceil(%.1f sustained / %d) = %d",
              target, human(config.scaleUpAfter()), load, sustained, target, needed);
        } else {
          candidate = capacity;
          reason = String.format(Locale.ROOT,
              "RPS per ready instance above target %d (%s), but capacity %d (launching counted) covers the "
                  + "sustained %.1f RPS: holding",
              target, load, capacity, sustained);
        }
      } else if (belowSince != null && !now.isBefore(belowSince.plus(config.scaleDownAfter()))) {
        double peak = maxSince(window, now.minus(config.scaleDownAfter())).orElse(rps);
        int needed = Math.max(1, ceilDiv(peak, target));
        Optional<PeerRegion> unsettled = in.peers().stream().filter(PeerRegion::unsettled).findFirst();
        if (unsettled.isPresent()) {
          candidate = capacity;
          reason = "RPS below " + percent() + " of target (" + load + "), but " + unsettled.get().region()
              + " is " + unsettled.get().failoverState() + ": no scale-down while a region fails over; holding "
              + capacity;
        } else if (state.lastScaleDownAt() != null
            && now.isBefore(state.lastScaleDownAt().plus(config.scaleDownCooldown()))) {
          candidate = capacity;
          reason = "RPS below " + percent() + " of target (" + load + "), but in the scale-down cooldown until "
              + state.lastScaleDownAt().plus(config.scaleDownCooldown()) + ": holding " + capacity;
        } else if (needed < capacity) {
          candidate = needed;
          reason = String.format(Locale.ROOT,
              "RPS below %s of target %d for %s (%s): scaling down to ceil(%.1f peak / %d) = %d", percent(),
              target, human(config.scaleDownAfter()), load, peak, target, needed);
        } else {
          candidate = capacity;
          reason = "RPS below " + percent() + " of target (" + load + "): holding " + capacity;
        }
      } else {
        candidate = capacity;
        String trend = aboveSince != null
            ? ", above target for " + human(Duration.between(aboveSince, now)) + " of " + human(config.scaleUpAfter())
            : belowSince != null
                ? ", below " + percent() + " of target for " + human(Duration.between(belowSince, now)) + " of "
                    + human(config.scaleDownAfter())
                : ", within band";
        reason = String.format(Locale.ROOT, "%s (target %d per instance)%s: holding %d", load, target, trend,
            capacity);
      }
    }

    int bounded = Math.max(floor, Math.min(candidate, config.maxInstances()));
    if (bounded > candidate) {
      reason += "; raised to " + bounded + " (" + floorWhy + ")";
    } else if (bounded < candidate) {
      reason += "; clamped to max " + config.maxInstances();
    }

    if (cooldownOnEveryAction != null && bounded != capacity && state.lastActionAt() != null
        && now.isBefore(state.lastActionAt().plus(cooldownOnEveryAction))) {
      reason = "cooldown after every action until " + state.lastActionAt().plus(cooldownOnEveryAction)
          + ": holding " + capacity + " (wanted " + bounded + ")";
      bounded = capacity;
    }
    return finish(state, in, window, aboveSince, belowSince, capacity, bounded, reason);
  }

  private Result finish(PolicyState state, ScalingInputs in, List<RpsSample> window, Instant aboveSince,
      Instant belowSince, int capacity, int desired, String reason) {
    Instant now = in.now();
    Direction direction = desired > capacity ? Direction.UP : desired < capacity ? Direction.DOWN : Direction.HOLD;
    Decision decision = new Decision(now, desired, direction, reason);
    PolicyState next = new PolicyState(window, aboveSince, belowSince,
        direction == Direction.DOWN ? now : state.lastScaleDownAt(),
        direction != Direction.HOLD ? now : state.lastActionAt(), desired, decision);
    return new Result(decision, next);
  }

  private List<RpsSample> window(List<RpsSample> previous, RpsSample fresh, Instant now) {
    Instant oldest = now.minus(config.window());
    List<RpsSample> out = new ArrayList<>(previous.size() + 1);
    for (RpsSample s : previous) {
      if (!s.at().isBefore(oldest)) {
        out.add(s);
      }
    }
    if (fresh != null && (out.isEmpty() || fresh.at().isAfter(out.get(out.size() - 1).at()))) {
      out.add(fresh);
    }
    return out;
  }

  private static Optional<Double> minSince(List<RpsSample> window, Instant since) {
    return window.stream().filter(s -> !s.at().isBefore(since)).map(RpsSample::rps).min(Double::compare);
  }

  private static Optional<Double> meanSince(List<RpsSample> window, Instant since) {
    var stats = window.stream().filter(s -> !s.at().isBefore(since)).mapToDouble(RpsSample::rps).summaryStatistics();
    return stats.getCount() == 0 ? Optional.empty() : Optional.of(stats.getAverage());
  }

  private static Optional<Double> maxSince(List<RpsSample> window, Instant since) {
    return window.stream().filter(s -> !s.at().isBefore(since)).map(RpsSample::rps).max(Double::compare);
  }

  private static int ceilDiv(double rps, int target) {
    return (int) Math.ceil(rps / target - 1e-9);
  }

  private String percent() {
    return Math.round(config.scaleDownBelowFraction() * 100) + " %";
  }

  private static String human(Duration d) {
    long s = d.toSeconds();
    return s % 60 == 0 ? (s / 60) + " min" : s >= 60 ? (s / 60) + " min " + (s % 60) + " s" : s + " s";
  }
}
