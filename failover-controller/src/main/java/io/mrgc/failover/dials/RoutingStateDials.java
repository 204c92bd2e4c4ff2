package io.mrgc.failover.dials;

import io.mrgc.common.Check;
import io.mrgc.failover.state.FailoverRowRepository;
import io.mrgc.state.StateClient;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Traffic dials for the local front door, which reads {@code traffic_dial} from each region row of routing_state:
 * applying a dial is making the row say it. The controller's transition write already does, so this adapter
 * normally only confirms it (one read); a row that says otherwise is written, fenced with the request's token. A
 * failed read or write is retried on the next request (the controller asks every evaluation).
 */
public final class RoutingStateDials implements TrafficDials {
  public static final String ACTUATOR = "routing_state";

  private final FailoverRowRepository rows;
  private final Clock clock;
  private final Map<String, DialStatus> statuses = new ConcurrentHashMap<>();

  public RoutingStateDials(StateClient state, Clock clock) {
    this.rows = new FailoverRowRepository(Check.notNull("state", state));
    this.clock = Check.notNull("clock", clock);
  }

  @Override
  public CompletableFuture<DialStatus> apply(DialRequest request) {
    String region = request.region();
    DialStatus before = status(region);
    int attempts = Integer.valueOf(request.percent()).equals(before.requested()) && !before.settled()
        ? before.attempts() + 1 : 1;
    Instant at = clock.instant();
    return rows.get(region)
        .thenCompose(row -> {
          if (row == null) {
            throw new IllegalStateException("no routing_state row for region " + region);
          }
          if (row.getTrafficDial() == request.percent()) {
            return CompletableFuture.completedFuture(row);
          }
          row.setTrafficDial(request.percent());
          return rows.writeFenced(row, request.fencingToken());
        })
        .handle((row, error) -> {
          DialStatus status = error == null
              ? new DialStatus(region, ACTUATOR, request.percent(), request.percent(), attempts, null, at, null)
              : new DialStatus(region, ACTUATOR, request.percent(), before.applied(), attempts,
                  GlobalAcceleratorDials.describe(error), at, null);
          statuses.put(region, status);
          return status;
        });
  }

  @Override
  public DialStatus status(String region) {
    return statuses.getOrDefault(region, DialStatus.unknown(region, ACTUATOR));
  }
}
