package io.mrgc.autoscaler.policy;

import io.mrgc.common.Check;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the loop observed at one tick.
 *
 * @param now the tick's time (the policy reads no clock)
 * @param rps the latest RPS sample of this region, empty when there is none
 * @param ready instances serving traffic
 * @param launching instances asked for and not yet serving (counted as capacity)
 * @param draining instances on their way out (not counted)
 * @param override an SRE override, if one is set (expired ones are ignored)
 * @param peers the other regions
 */
public record ScalingInputs(
    Instant now,
    Optional<RpsSample> rps,
    int ready,
    int launching,
    int draining,
    Optional<ScalingOverride> override,
    List<PeerRegion> peers) {

  public ScalingInputs {
    Check.notNull("now", now);
    Check.notNull("rps", rps);
    Check.between("ready", ready, 0, 10_000);
    Check.between("launching", launching, 0, 10_000);
    Check.between("draining", draining, 0, 10_000);
    Check.notNull("override", override);
    peers = List.copyOf(Check.notNull("peers", peers));
  }

  /** A tick with a fresh sample, no override and no peers. */
  public static ScalingInputs of(Instant now, double rps, int ready, int launching) {
    return new ScalingInputs(now, Optional.of(new RpsSample(now, rps)), ready, launching, 0, Optional.empty(),
        List.of());
  }

  public ScalingInputs withRps(Optional<RpsSample> sample) {
    return new ScalingInputs(now, sample, ready, launching, draining, override, peers);
  }

  public ScalingInputs withOverride(ScalingOverride o) {
    return new ScalingInputs(now, rps, ready, launching, draining, Optional.ofNullable(o), peers);
  }

  public ScalingInputs withPeers(List<PeerRegion> p) {
    return new ScalingInputs(now, rps, ready, launching, draining, override, p);
  }
}
