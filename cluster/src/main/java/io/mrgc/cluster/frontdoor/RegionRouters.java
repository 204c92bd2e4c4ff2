package io.mrgc.cluster.frontdoor;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One region's routers as its NLB sees them (Global Accelerator's endpoint in AWS is the NLB, not a router): each
 * router is health-checked on its own, the region is healthy while any router is, and each client connection (a
 * flow) goes to one router chosen by a hash of the flow. The hash is rendezvous hashing (highest score wins): a
 * kept-alive connection keeps its router for as long as that router is healthy, connections spread evenly, and a
 * router taken out moves only its own flows. Stateless, as the NLB's flow hash is: a router that comes back takes
 * back the flows that hash to it.
 */
final class RegionRouters {
  private final Map<URI, RouterHealth> routers = new LinkedHashMap<>();

  RegionRouters(List<URI> urls, int thresholdCount) {
    urls.forEach(url -> routers.put(url, new RouterHealth(thresholdCount)));
  }

  List<URI> urls() {
    return List.copyOf(routers.keySet());
  }

  RouterHealth health(URI router) {
    return routers.get(router);
  }

  /** Healthy while any of its routers is. */
  boolean healthy() {
    return routers.values().stream().anyMatch(RouterHealth::healthy);
  }

  /** Each router's health, in configuration order. */
  Map<URI, Boolean> routerHealth() {
    Map<URI, Boolean> view = new LinkedHashMap<>();
    routers.forEach((url, health) -> view.put(url, health.healthy()));
    return view;
  }

  /**
   * The routers to try for {@code flow}, first choice first: the healthy ones by rank; when none is healthy, all of
   * them (the NLB fails open rather than refuse every connection).
   */
  List<URI> forFlow(String flow) {
    List<URI> ranked = new ArrayList<>(routers.keySet());
    long flowHash = mix(flow.hashCode());
    ranked.sort(Comparator.comparingLong((URI router) -> mix(flowHash ^ router.hashCode())).reversed());
    List<URI> healthy = ranked.stream().filter(router -> routers.get(router).healthy()).toList();
    return healthy.isEmpty() ? ranked : healthy;
  }

  /** SplitMix64's finalizer: neighbouring inputs (consecutive client ports) give unrelated outputs. */
  private static long mix(long value) {
    long z = value + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
