package io.mrgc.agent.wash;

import io.mrgc.agent.wash.ArrivalLog.Event;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks an instance's own account of what it served ({@link ArrivalLog#events()}) against the isolation promise
 * (docs/security.md): requests of two tenants never run at once, a batch holds one tenant's requests only, and a
 * passed wash between tenants comes before another tenant's first request. For tests and audits; it reads a copy.
 */
public final class IsolationAudit {
  /** What the audit found: every violation (empty: the promise held) and what it counted. */
  public record Result(List<String> violations, int started, int batches, int batchesOfSeveral, int tenantWashes,
      int turns) {}

  private IsolationAudit() {}

  public static Result check(List<Event> events) {
    List<String> violations = new ArrayList<>();
    Map<String, String> tenantOf = new HashMap<>();
    Set<String> running = new HashSet<>();
    String runningTenant = null;
    String turnTenant = null; // the tenant served since the last passed wash between tenants, or null
    int started = 0;
    int batches = 0;
    int batchesOfSeveral = 0;
    int washes = 0;
    int turns = 0;
    for (Event e : events) {
      String id = e.requestIds().isEmpty() ? null : e.requestIds().get(0);
      switch (e.kind()) {
        case ARRIVED -> tenantOf.put(id, e.tenant());
        case STARTED -> {
          if (!running.isEmpty() && !e.tenant().equals(runningTenant)) {
            violations.add("event " + e.sequence() + ": request " + id + " of " + e.tenant() + " started while "
                + running + " of " + runningTenant + " ran");
          }
          if (turnTenant != null && !turnTenant.equals(e.tenant())) {
            violations.add("event " + e.sequence() + ": " + e.tenant() + "'s first request after " + turnTenant
                + "'s turn without a passed wash between them");
          }
          if (turnTenant == null) {
            turns++;
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
            if (!e.tenant().equals(tenantOf.get(request)) || !running.contains(request)) {
              violations.add("event " + e.sequence() + ": request " + request + " (of " + tenantOf.get(request)
                  + (running.contains(request) ? "" : ", not running") + ") in a batch of " + e.tenant());
            }
          }
        }
        case TENANT_WASH -> {
          washes++;
          if (!running.isEmpty()) {
            violations.add("event " + e.sequence() + ": wash between tenants while " + running + " ran");
          }
          if (e.passed()) {
            turnTenant = null;
          }
        }
        default -> violations.add("event " + e.sequence() + ": unknown kind " + e.kind());
      }
    }
    return new Result(List.copyOf(violations), started, batches, batchesOfSeveral, washes, turns);
  }

  /** For each request of {@code tenant}: how many requests of other tenants started while it waited. */
  public static Map<String, Integer> othersStartedWhileWaiting(List<Event> events, String tenant) {
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
