package io.mrgc.cluster.frontdoor;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleSupplier;

/**
 * Global Accelerator's choice of endpoint group, as a pure function. Walking the regions nearest-first from the
 * caller's home: a healthy region keeps the traffic headed to it with probability dial/100 and passes the rest
 * on; an unhealthy region passes all of it on, and that failover traffic is taken by the next healthy region
 * whatever its dial (GA ignores dials on health failover). When every region is unhealthy GA fails open, so do we.
 */
public final class RegionSelector {
  private final DoubleSupplier random;

  public RegionSelector(DoubleSupplier random) {
    this.random = random;
  }

  /**
   * @param order regions nearest-first from the caller's home
   * @param healthy regions whose health checks pass
   * @param dials traffic dial 0..100 per region (missing = 100)
   */
  public String select(List<String> order, Set<String> healthy, Map<String, Integer> dials) {
    boolean failingOver = false;
    String firstHealthy = null;
    for (String region : order) {
      if (!healthy.contains(region)) {
        failingOver = true;
        continue;
      }
      if (firstHealthy == null) {
        firstHealthy = region;
      }
      if (failingOver) {
        return region;
      }
      int dial = dials.getOrDefault(region, 100);
      if (dial >= 100 || random.getAsDouble() * 100 < dial) {
        return region;
      }
    }
    // Every healthy region dialled this traffic away: it still has to land somewhere, so the nearest healthy
    // region with a non-zero dial takes it, else the nearest healthy one, else (all unhealthy) the nearest.
    for (String region : order) {
      if (healthy.contains(region) && dials.getOrDefault(region, 100) > 0) {
        return region;
      }
    }
    return firstHealthy != null ? firstHealthy : order.get(0);
  }
}
