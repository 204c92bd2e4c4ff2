package io.mrgc.router;

import io.mrgc.router.pick.Backend;
import io.mrgc.router.pick.Picker;
import io.mrgc.router.snapshot.RegionSnapshot;
import io.vertx.core.json.JsonObject;

/**
 * The regional health verdict behind {@code /healthz/region}, which Global Accelerator (and the local front door)
 * health-check: serving needs at least one routable, fresh, non-ejected instance and a failover state other than
 * FAILOVER_ACTIVE. Failing it in FAILOVER_ACTIVE moves traffic even when the GA control plane is unreachable.
 */
record RegionHealth(String region, int routable, int instances, double snapshotAgeSeconds, String failoverState,
    boolean snapshotLoaded) {

  static RegionHealth of(String region, RegionSnapshot snapshot, double ageSeconds, Picker picker) {
    int routable = 0;
    for (Backend backend : snapshot.backends()) {
      if (picker.eligibleInSnapshot(backend, null, snapshot.fetchedAtMillis())) {
        routable++;
      }
    }
    return new RegionHealth(region, routable, snapshot.backends().size(), ageSeconds, snapshot.failoverState(),
        snapshot.loaded());
  }

  boolean canServe() {
    return routable > 0 && !RegionSnapshot.FAILOVER_ACTIVE.equals(failoverState);
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("region", region)
        .put("status", canServe() ? "serving" : "not_serving")
        .put("routable", routable)
        .put("instances", instances)
        .put("snapshotAgeSeconds", snapshotAgeSeconds)
        .put("snapshotLoaded", snapshotLoaded)
        .put("failoverState", failoverState);
  }
}
