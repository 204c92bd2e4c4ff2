package io.mrgc.failover.loop;

import io.mrgc.common.Check;
import java.time.Duration;
import java.util.List;

/**
 * How one region's failover controller runs, validated with exact messages.
 *
 * @param region where this controller runs: its observations are this region's
 * @param controllerId lease holder and actor name (unique per process, e.g. {@code failover/us-east-1/host-7})
 * @param regions every region: each is observed every evaluation, and each observer's rows are read
 * @param evaluationPeriod how often {@link FailoverController#start} evaluates (default 5 s)
 * @param leaseTtl the lease {@code failover/<region>} per decided region, renewed every evaluation (default 15 s)
 * @param observationFreshness an observation older than this does not count toward the quorum (default 15 s: three
 *     evaluations, so one slow tick does not drop an observer)
 * @param observerQuorum how many observer regions must agree on a verdict (default 2: the two-observer rule)
 * @param leadsOwnRegion whether this controller also contends for its own region's decisions (default false: a
 *     region's decisions are taken in the other regions, so a failing region's controller is never the one that
 *     must act, and its lease never delays the failover)
 * @param historyLimit transitions kept in each region row (default 100)
 * @param dialWait how long an evaluation waits for the actuator's answer before going on (default 1 s); the row is
 *     written first, so this never delays the data-plane failover
 */
public record ControllerConfig(
    String region,
    String controllerId,
    List<String> regions,
    Duration evaluationPeriod,
    Duration leaseTtl,
    Duration observationFreshness,
    int observerQuorum,
    boolean leadsOwnRegion,
    int historyLimit,
    Duration dialWait) {

  public ControllerConfig {
    Check.notBlank("region", region);
    Check.notBlank("controllerId", controllerId);
    regions = List.copyOf(Check.notNull("regions", regions));
    if (!regions.contains(region)) {
      throw new IllegalArgumentException("regions must contain region " + region + ", but were " + regions);
    }
    if (regions.stream().distinct().count() != regions.size()) {
      throw new IllegalArgumentException("regions must be distinct, but were " + regions);
    }
    Check.positive("evaluationPeriod", evaluationPeriod);
    Check.positive("leaseTtl", leaseTtl);
    if (leaseTtl.compareTo(evaluationPeriod) <= 0) {
      throw new IllegalArgumentException(
          "leaseTtl must exceed evaluationPeriod, but was " + leaseTtl + " <= " + evaluationPeriod);
    }
    Check.positive("observationFreshness", observationFreshness);
    if (observationFreshness.compareTo(evaluationPeriod) < 0) {
      throw new IllegalArgumentException("observationFreshness must be at least evaluationPeriod, but was "
          + observationFreshness + " < " + evaluationPeriod);
    }
    Check.between("observerQuorum", observerQuorum, 1, regions.size());
    Check.between("historyLimit", historyLimit, 1, 1000);
    Check.positive("dialWait", dialWait);
  }

  /** 5 s evaluations, 15 s lease and freshness, quorum 2 (1 with a single region), history 100, dial wait 1 s. */
  public static ControllerConfig defaults(String region, String controllerId, List<String> regions) {
    return new ControllerConfig(region, controllerId, regions, Duration.ofSeconds(5), Duration.ofSeconds(15),
        Duration.ofSeconds(15), Math.min(2, regions == null ? 2 : regions.size()), false, 100,
        Duration.ofSeconds(1));
  }

  public ControllerConfig withLeadsOwnRegion(boolean leads) {
    return new ControllerConfig(region, controllerId, regions, evaluationPeriod, leaseTtl, observationFreshness,
        observerQuorum, leads, historyLimit, dialWait);
  }

  /** The regions whose decisions this controller contends for. */
  public List<String> decidedRegions() {
    return leadsOwnRegion ? regions : regions.stream().filter(r -> !r.equals(region)).toList();
  }
}
