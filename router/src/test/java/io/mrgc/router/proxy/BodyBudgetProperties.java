package io.mrgc.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The body buffer budget under any interleaving of reservations and releases (issue #10, finding 2): it never
 * holds more than its bounds, per tenant or in all, refuses exactly what would pass one, and returns to empty with
 * no tenant entry left once everything is released (the map cannot grow with tenants that come and go).
 */
class BodyBudgetProperties {
  private static final long TENANT_LIMIT = 1_000;
  private static final long ROUTER_LIMIT = 2_500;

  record Step(int tenant, long bytes, boolean release) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    return Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.longs().between(0, 700),
        Arbitraries.of(true, false)).as(Step::new).list().ofMaxSize(200);
  }

  @Property
  void neverPassesABoundAndEmptiesCompletely(@ForAll("steps") List<Step> steps) {
    BodyBudget budget = new BodyBudget(TENANT_LIMIT, ROUTER_LIMIT);
    Map<String, List<Long>> held = new HashMap<>();
    for (Step step : steps) {
      String tenant = "t" + step.tenant();
      List<Long> reservations = held.computeIfAbsent(tenant, t -> new ArrayList<>());
      if (step.release() && !reservations.isEmpty()) {
        budget.release(tenant, reservations.remove(0));
      } else {
        long tenantBefore = budget.buffered(tenant);
        long totalBefore = budget.buffered();
        BodyBudget.Outcome outcome = budget.reserve(tenant, step.bytes());
        boolean fits = tenantBefore + step.bytes() <= TENANT_LIMIT && totalBefore + step.bytes() <= ROUTER_LIMIT;
        assertThat(outcome == BodyBudget.Outcome.RESERVED).isEqualTo(fits);
        if (fits) {
          reservations.add(step.bytes());
        }
      }
      assertThat(budget.buffered(tenant)).isBetween(0L, TENANT_LIMIT);
      assertThat(budget.buffered()).isBetween(0L, ROUTER_LIMIT);
    }
    held.forEach((tenant, reservations) -> reservations.forEach(bytes -> budget.release(tenant, bytes)));
    assertThat(budget.buffered()).isZero();
    assertThat(budget.tenants()).isZero();
  }
}
