package io.mrgc.agent.wash;

import io.mrgc.state.InstanceState;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One INFO line per inference request as it arrives, on logger {@value #LOGGER}: {@code arrival instance=<id>
 * request=<x-request-id> state=<lifecycle state>} when it is taken in, {@code refused instance=<id> request=<id>
 * state=<STATE> reason=<instance_not_ready|overloaded>} when it is refused before its body is read (a request that
 * waited and is refused later gets that line then). Never payloads, tenants or keys. The last {@value #KEPT}
 * arrivals are kept for tests and operators.
 */
public final class ArrivalLog {
  public static final String LOGGER = "io.mrgc.agent.arrivals";
  static final int KEPT = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  /** One arrival: the lifecycle state it found, and whether it was refused at once. */
  public record Arrival(String requestId, InstanceState state, boolean refused, long atMillis) {}

  private final String instanceId;
  private final Deque<Arrival> recent = new ArrayDeque<>();

  public ArrivalLog(String instanceId) {
    this.instanceId = instanceId;
  }

  void arrived(String requestId, InstanceState state) {
    LOG.info("arrival instance={} request={} state={}", instanceId, requestId, state);
    keep(new Arrival(requestId, state, false, System.currentTimeMillis()));
  }

  void refusedAtArrival(String requestId, InstanceState state, String reason) {
    refused(requestId, state, reason);
    keep(new Arrival(requestId, state, true, System.currentTimeMillis()));
  }

  void refused(String requestId, InstanceState state, String reason) {
    LOG.info("refused instance={} request={} state={} reason={}", instanceId, requestId, state, reason);
  }

  private synchronized void keep(Arrival arrival) {
    recent.addLast(arrival);
    while (recent.size() > KEPT) {
      recent.removeFirst();
    }
  }

  /** The kept arrivals, oldest first. */
  public synchronized List<Arrival> recent() {
    return List.copyOf(recent);
  }
}
