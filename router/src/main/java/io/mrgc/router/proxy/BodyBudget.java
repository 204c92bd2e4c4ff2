package io.mrgc.router.proxy;

import java.util.HashMap;
import java.util.Map;

/**
 * Body bytes the router buffers at once, per tenant and in all. Bodies are buffered whole before an instance is
 * picked, so this memory is what a slow or large body costs; the bounds keep one tenant from taking it all
 * ({@code tenantBufferBytes}) and the router from taking more than it has ({@code routerBufferBytes}). A tenant with
 * nothing buffered has no entry, so the map holds only tenants with a body in flight. Thread-safe.
 */
final class BodyBudget {
  /** What a reservation found. */
  enum Outcome { RESERVED, TENANT_FULL, ROUTER_FULL }

  private final long tenantLimit;
  private final long routerLimit;
  private final Map<String, Long> byTenant = new HashMap<>();
  private long total;

  BodyBudget(long tenantLimit, long routerLimit) {
    this.tenantLimit = tenantLimit;
    this.routerLimit = routerLimit;
  }

  /** Reserves {@code bytes} more for the tenant, or nothing when that would pass a bound (the tenant's first). */
  synchronized Outcome reserve(String tenantId, long bytes) {
    long tenant = byTenant.getOrDefault(tenantId, 0L);
    if (tenant + bytes > tenantLimit) {
      return Outcome.TENANT_FULL;
    }
    if (total + bytes > routerLimit) {
      return Outcome.ROUTER_FULL;
    }
    if (bytes > 0) {
      byTenant.put(tenantId, tenant + bytes);
      total += bytes;
    }
    return Outcome.RESERVED;
  }

  /** Gives back {@code bytes} reserved earlier for the tenant. */
  synchronized void release(String tenantId, long bytes) {
    if (bytes <= 0) {
      return;
    }
    long left = byTenant.getOrDefault(tenantId, 0L) - bytes;
    if (left <= 0) {
      byTenant.remove(tenantId);
    } else {
      byTenant.put(tenantId, left);
    }
    total -= bytes;
  }

  synchronized long buffered() {
    return total;
  }

  synchronized long buffered(String tenantId) {
    return byTenant.getOrDefault(tenantId, 0L);
  }

  /** Tenants with bytes buffered now. */
  synchronized int tenants() {
    return byTenant.size();
  }

  long tenantLimit() {
    return tenantLimit;
  }

  long routerLimit() {
    return routerLimit;
  }
}
