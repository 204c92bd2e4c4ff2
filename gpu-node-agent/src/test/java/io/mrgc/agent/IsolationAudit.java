package io.mrgc.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.agent.wash.ArrivalLog;
import io.mrgc.agent.wash.ArrivalLog.Event;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks an instance's own account of what it served ({@link NodeAgent#servedEvents()}) against the isolation
 * promise: requests of two tenants never run at once, a batch holds one tenant's requests only, and a passed wash
 * between tenants comes before another tenant's first request.
 */
final class IsolationAudit {
  private IsolationAudit() {}

  /** What the audit counted, for the test's own assertions. */
  record Counts(int started, int batches, int batchesOfSeveral, int tenantWashes, int tenantSwitches) {}

  static Counts check(List<Event> events) {
    Map<String, String> tenantOf = new HashMap<>();
    Set<String> running = new HashSet<>();
    String runningTenant = null;
    String turnTenant = null; // the tenant served since the last passed wash between tenants, or null
    int started = 0;
    int batches = 0;
    int batchesOfSeveral = 0;
    int washes = 0;
    int switches = 0;
    for (Event e : events) {
      String id = e.requestIds().isEmpty() ? null : e.requestIds().get(0);
      switch (e.kind()) {
        case ARRIVED -> tenantOf.put(id, e.tenant());
        case STARTED -> {
          assertThat(running.isEmpty() || e.tenant().equals(runningTenant))
              .as("event %d: request %s of %s started while %s of %s ran", e.sequence(), id, e.tenant(), running,
                  runningTenant).isTrue();
          assertThat(turnTenant == null || turnTenant.equals(e.tenant()))
              .as("event %d: %s's first request after %s's turn without a passed wash between", e.sequence(),
                  e.tenant(), turnTenant).isTrue();
          if (turnTenant == null && running.isEmpty()) {
            switches++;
          }
          turnTenant = e.tenant();
          runningTenant = e.tenant();
          running.add(id);
          started++;
        }
        case FINISHED -> running.remove(id);
        case BATCH -> {
          batches++;
          if (e.requestIds().size() > 1) {
            batchesOfSeveral++;
          }
          for (String request : e.requestIds()) {
            assertThat(tenantOf.get(request)).as("event %d: request %s in a batch of %s", e.sequence(), request,
                e.tenant()).isEqualTo(e.tenant());
            assertThat(running).as("event %d: batched request %s is running", e.sequence(), request)
                .contains(request);
          }
        }
        case TENANT_WASH -> {
          washes++;
          assertThat(running).as("event %d: wash between tenants while requests run; events before: %s", e.sequence(),
              around(events, e)).isEmpty();
          if (e.passed()) {
            turnTenant = null;
          }
        }
        default -> throw new AssertionError("unknown event " + e);
      }
    }
    return new Counts(started, batches, batchesOfSeveral, washes, switches);
  }

  private static List<Event> around(List<Event> events, Event e) {
    int at = events.indexOf(e);
    return events.subList(Math.max(0, at - 25), at + 1);
  }

  /** For each request of {@code tenant}: how many requests of other tenants started while it waited. */
  static Map<String, Integer> othersStartedWhileWaiting(List<Event> events, String tenant) {
    Map<String, Integer> waiting = new HashMap<>();
    Map<String, Integer> result = new HashMap<>();
    for (Event e : events) {
      String id = e.requestIds().isEmpty() ? null : e.requestIds().get(0);
      if (e.kind() == ArrivalLog.Kind.ARRIVED && e.tenant().equals(tenant)) {
        waiting.put(id, 0);
      } else if (e.kind() == ArrivalLog.Kind.STARTED && e.tenant().equals(tenant) && waiting.containsKey(id)) {
        result.put(id, waiting.remove(id));
      } else if (e.kind() == ArrivalLog.Kind.STARTED && !e.tenant().equals(tenant)) {
        waiting.replaceAll((request, count) -> count + 1);
      }
    }
    return result;
  }
}
