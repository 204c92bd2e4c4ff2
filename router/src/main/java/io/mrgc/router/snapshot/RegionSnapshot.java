package io.mrgc.router.snapshot;

import io.mrgc.router.pick.Backend;
import java.util.List;

/**
 * The last good read of the region: its instances and its failover state. Immutable and shared by all requests.
 *
 * @param fetchedAtMillis when the instance list was read; 0 before the first successful read
 * @param failoverState the routing_state row's failover state, or {@link #UNKNOWN_FAILOVER_STATE} when the row was
 *     absent or never read
 */
public record RegionSnapshot(List<Backend> backends, long fetchedAtMillis, String failoverState) {
  public static final String UNKNOWN_FAILOVER_STATE = "UNKNOWN";
  public static final String FAILOVER_ACTIVE = "FAILOVER_ACTIVE";
  public static final RegionSnapshot NONE = new RegionSnapshot(List.of(), 0, UNKNOWN_FAILOVER_STATE);

  public RegionSnapshot {
    backends = List.copyOf(backends);
  }

  public boolean loaded() {
    return fetchedAtMillis > 0;
  }

  /** The data plane carries failover: a region in FAILOVER_ACTIVE must fail its health endpoint. */
  public boolean failoverActive() {
    return FAILOVER_ACTIVE.equals(failoverState);
  }
}
