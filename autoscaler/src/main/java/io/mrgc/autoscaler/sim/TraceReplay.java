package io.mrgc.autoscaler.sim;

import io.mrgc.autoscaler.policy.Decision;
import io.mrgc.autoscaler.policy.Direction;
import io.mrgc.autoscaler.policy.PolicyState;
import io.mrgc.autoscaler.policy.RpsSample;
import io.mrgc.autoscaler.policy.ScalingConfig;
import io.mrgc.autoscaler.policy.ScalingInputs;
import io.mrgc.autoscaler.policy.ScalingPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Replays a demand trace in virtual time against a modeled fleet, running the real policy code once per trace step.
 *
 * <p>Model: an instance serves {@code capacityRps} at the latency SLO once ready; a launched instance becomes ready
 * after {@code coldStart} and is billed from launch. The policy at tick i sees the RPS of step i-1 (the router's
 * metrics window that just closed). A scale-down terminates launching instances first (newest first), then ready
 * ones; draining is modeled as instant (real drains take seconds for in-flight requests and come with the loop).
 */
public final class TraceReplay {
  private final Trace trace;
  private final Duration coldStart;
  private final double capacityRps;

  public TraceReplay(Trace trace, Duration coldStart, double capacityRps) {
    this.trace = trace;
    this.coldStart = coldStart;
    this.capacityRps = capacityRps;
  }

  /** Static provisioning for the peak: ceil(peak / capacity) instances, all week, never scaled. */
  public SimResult runStatic() {
    int n = (int) Math.ceil(trace.peak() / capacityRps);
    double hours = n * trace.size() * trace.step().toSeconds() / 3600.0;
    int under = 0;
    int perMinute = ticksPerMinute();
    for (int m = 0; m * perMinute < trace.size(); m++) {
      for (int i = m * perMinute; i < Math.min(trace.size(), (m + 1) * perMinute); i++) {
        if (trace.rps(i) > n * capacityRps) {
          under++;
          break;
        }
      }
    }
    return new SimResult("static for the peak", hours, under, minutes(), 0, 0, n);
  }

  public SimResult run(String name, ScalingPolicy policy) {
    Instant start = Instant.parse("2025-01-06T00:00:00Z");
    long stepMs = trace.step().toMillis();
    ScalingConfig config = policy.config();
    List<Long> readyAt = new ArrayList<>(); // per instance: epoch ms when it becomes ready, in launch order
    int initial = Math.max(config.minInstances(), (int) Math.ceil(trace.rps(0) / config.targetRpsPerInstance()));
    for (int k = 0; k < initial; k++) {
      readyAt.add(start.toEpochMilli());
    }
    PolicyState state = PolicyState.initial();
    double instanceTicks = 0;
    int under = 0;
    boolean underThisMinute = false;
    int actions = 0;
    int reversals = 0;
    Direction lastAction = null;
    int peak = readyAt.size();
    int perMinute = ticksPerMinute();
    for (int i = 0; i < trace.size(); i++) {
      long nowMs = start.toEpochMilli() + i * stepMs;
      Instant now = Instant.ofEpochMilli(nowMs);
      int ready = 0;
      for (long r : readyAt) {
        if (r <= nowMs) {
          ready++;
        }
      }
      int launching = readyAt.size() - ready;
      Optional<RpsSample> sample = i == 0 ? Optional.empty() : Optional.of(new RpsSample(now, trace.rps(i - 1)));
      ScalingPolicy.Result result = policy.decide(state,
          new ScalingInputs(now, sample, ready, launching, 0, Optional.empty(), List.of()));
      state = result.state();
      Decision d = result.decision();
      if (d.isAction()) {
        actions++;
        if (lastAction != null && lastAction != d.direction()) {
          reversals++;
        }
        lastAction = d.direction();
      }
      while (readyAt.size() < d.desired()) {
        readyAt.add(nowMs + coldStart.toMillis());
      }
      while (readyAt.size() > d.desired()) {
        readyAt.remove(readyAt.size() - 1); // launched last: launching first, then the newest ready
      }
      peak = Math.max(peak, readyAt.size());
      int readyAfter = 0;
      for (long r : readyAt) {
        if (r <= nowMs) {
          readyAfter++;
        }
      }
      instanceTicks += readyAt.size();
      if (trace.rps(i) > readyAfter * capacityRps) {
        underThisMinute = true;
      }
      if ((i + 1) % perMinute == 0 || i == trace.size() - 1) {
        if (underThisMinute) {
          under++;
        }
        underThisMinute = false;
      }
    }
    double hours = instanceTicks * trace.step().toSeconds() / 3600.0;
    return new SimResult(name, hours, under, minutes(), actions, reversals, peak);
  }

  /** The three policies side by side: static for the peak, the seed's naive policy, ours. */
  public List<SimResult> compare(ScalingConfig ours, ScalingConfig seed, Duration naiveCooldown) {
    return List.of(runStatic(),
        run("seed naive (cooldown " + naiveCooldown.toMinutes() + " min on every action, target "
            + seed.targetRpsPerInstance() + ")", ScalingPolicy.withCooldownOnEveryAction(seed, naiveCooldown)),
        run("ours (target " + ours.targetRpsPerInstance() + ")", new ScalingPolicy(ours)));
  }

  private int ticksPerMinute() {
    return (int) Math.max(1, 60 / trace.step().toSeconds());
  }

  private int minutes() {
    return (int) Math.ceil(trace.size() / (double) ticksPerMinute());
  }
}
