package io.mrgc.failover.ops;

import io.mrgc.failover.machine.Evaluation;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.failover.state.ObservationItem;
import java.util.List;

/**
 * A region as {@code mrgc failover status} shows it: its row (state, dial, drain hold, last reason and actor, token,
 * the dial actuator's status, history; null while the region has no row), every observer's latest observation, and
 * the combined verdict now.
 */
public record RegionStatus(String region, FailoverRowItem row, List<ObservationItem> observations,
    Evaluation evaluation) {

  public RegionStatus {
    observations = List.copyOf(observations);
  }
}
