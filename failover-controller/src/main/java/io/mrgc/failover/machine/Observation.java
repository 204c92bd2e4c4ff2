package io.mrgc.failover.machine;

import io.mrgc.failover.health.Verdict;
import java.time.Instant;
import java.util.List;

/** One controller's latest verdict on a region, as read back from its observation row. */
public record Observation(String observerRegion, String observer, Verdict verdict, Instant at, List<String> reasons) {
  public Observation {
    reasons = reasons == null ? List.of() : List.copyOf(reasons);
  }
}
