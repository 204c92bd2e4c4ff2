package io.mrgc.agent.wash;

import io.mrgc.state.InstanceState;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instance's own account of what it served, on logger {@value #LOGGER}: one INFO line per inference request as
 * it arrives ({@code arrival instance=<id> request=<x-request-id> state=<lifecycle state>}) or is refused
 * ({@code refused instance=<id> request=<id> state=<STATE> reason=<instance_not_ready|overloaded>}); DEBUG lines as
 * a request starts and finishes, for every batch (session run) and for every wash between tenants. Never payloads,
 * tenants or keys in the log lines.
 *
 * <p>In memory, for tests and operators: the last {@value #KEPT} arrivals and the last {@value #KEPT_EVENTS} events,
 * in order, with the tenant (isolation audits: two tenants never served at once, never in one batch, a wash
 * between them).
 */
public final class ArrivalLog {
  public static final String LOGGER = "io.mrgc.agent.arrivals";
  static final int KEPT = 10_000;
  static final int KEPT_EVENTS = 50_000;
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  /** One arrival: the lifecycle state it found, and whether it was refused at once. */
  public record Arrival(String requestId, InstanceState state, boolean refused, long atMillis) {}

  public enum Kind { ARRIVED, STARTED, FINISHED, BATCH, TENANT_WASH }

  /**
   * One event, numbered in order. ARRIVED (admitted to wait), STARTED, FINISHED: a request ({@code requestIds} has
   * one) of {@code tenant};
   * BATCH: one session run over {@code inputs} inputs of {@code requestIds}, all of {@code tenant}; TENANT_WASH: the
   * wash between tenants after {@code tenant} ({@code passed}).
   */
  public record Event(long sequence, Kind kind, String tenant, List<String> requestIds, int inputs, boolean passed) {}

  private final String instanceId;
  private final Deque<Arrival> recent = new ArrayDeque<>();
  private final Deque<Event> events = new ArrayDeque<>();
  private long sequence;

  public ArrivalLog(String instanceId) {
    this.instanceId = instanceId;
  }

  void arrived(String requestId, String tenant, InstanceState state) {
    LOG.info("arrival instance={} request={} state={}", instanceId, requestId, state);
    keep(new Arrival(requestId, state, false, System.currentTimeMillis()));
    event(Kind.ARRIVED, tenant, List.of(requestId), 0, true);
  }

  void refusedAtArrival(String requestId, InstanceState state, String reason) {
    refused(requestId, state, reason);
    keep(new Arrival(requestId, state, true, System.currentTimeMillis()));
  }

  void refused(String requestId, InstanceState state, String reason) {
    LOG.info("refused instance={} request={} state={} reason={}", instanceId, requestId, state, reason);
  }

  void started(String requestId, String tenant) {
    LOG.debug("started instance={} request={}", instanceId, requestId);
    event(Kind.STARTED, tenant, List.of(requestId), 0, true);
  }

  void finished(String requestId, String tenant) {
    LOG.debug("finished instance={} request={}", instanceId, requestId);
    event(Kind.FINISHED, tenant, List.of(requestId), 0, true);
  }

  /** One session run of a model's worker (called from its thread). */
  public void batch(String model, String tenant, List<String> requestIds, int inputs) {
    LOG.debug("batch instance={} model={} requests={} inputs={}", instanceId, model, requestIds.size(), inputs);
    event(Kind.BATCH, tenant, List.copyOf(requestIds), inputs, true);
  }

  void tenantWash(String tenant, String washId, boolean passed) {
    LOG.debug("tenant-wash instance={} wash={} passed={}", instanceId, washId, passed);
    event(Kind.TENANT_WASH, tenant, List.of(), 0, passed);
  }

  private synchronized void keep(Arrival arrival) {
    recent.addLast(arrival);
    while (recent.size() > KEPT) {
      recent.removeFirst();
    }
  }

  private synchronized void event(Kind kind, String tenant, List<String> requestIds, int inputs, boolean passed) {
    events.addLast(new Event(++sequence, kind, tenant, requestIds, inputs, passed));
    while (events.size() > KEPT_EVENTS) {
      events.removeFirst();
    }
  }

  /** The kept arrivals, oldest first. */
  public synchronized List<Arrival> recent() {
    return List.copyOf(recent);
  }

  /** The kept events, oldest first. */
  public synchronized List<Event> events() {
    return List.copyOf(events);
  }
}
