package io.mrgc.cluster.frontdoor;

import io.mrgc.common.Check;
import io.mrgc.common.net.ListenerLimits;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The local stand-in for Global Accelerator: two loopback "anycast" addresses, each region's routers (the targets
 * behind the region's NLB, which is Global Accelerator's endpoint in AWS), how a caller's
 * home region is found (header {@value io.mrgc.wire.Headers#HOME_REGION}, else the client address mapping, else the default),
 * health checks, how often traffic dials are re-read from routing_state, TLS on both sides ({@link FrontDoorTls}),
 * and the anycast listeners' header, idle and request deadlines and connection cap ({@code listener}, each address on
 * its own).
 */
public record FrontDoorOptions(
    List<String> anycastAddresses,
    int port,
    Map<String, List<URI>> routers,
    String defaultHomeRegion,
    Map<String, String> clientHomeRegions,
    HealthCheckOptions healthCheck,
    Duration dialRefresh,
    FrontDoorTls tls,
    ListenerLimits listener) {

  public static final List<String> DEFAULT_ANYCAST_ADDRESSES = List.of("127.0.1.1", "127.0.1.2");
  public static final int DEFAULT_PORT = 8080;
  public static final Duration DEFAULT_DIAL_REFRESH = Duration.ofSeconds(2);

  public FrontDoorOptions {
    if (anycastAddresses == null || anycastAddresses.isEmpty()) {
      throw new IllegalArgumentException("anycastAddresses must name at least one address");
    }
    Check.between("port", port, 0, 65535);
    if (routers == null || routers.isEmpty()) {
      throw new IllegalArgumentException("routers must map at least one region to its router URLs");
    }
    routers.keySet().forEach(Regions::nearestFirst);
    routers.forEach(FrontDoorOptions::checkRouters);
    Check.notBlank("defaultHomeRegion", defaultHomeRegion);
    if (!routers.containsKey(defaultHomeRegion)) {
      throw new IllegalArgumentException("defaultHomeRegion " + defaultHomeRegion + " has no router; routers are "
          + routers.keySet());
    }
    clientHomeRegions = clientHomeRegions == null ? Map.of() : Map.copyOf(clientHomeRegions);
    clientHomeRegions.values().forEach(Regions::nearestFirst);
    Check.notNull("healthCheck", healthCheck);
    Check.positive("dialRefresh", dialRefresh);
    Check.notNull("tls", tls);
    Check.notNull("listener", listener);
    anycastAddresses = List.copyOf(anycastAddresses);
    Map<String, List<URI>> copied = new LinkedHashMap<>();
    routers.forEach((region, urls) -> copied.put(region, List.copyOf(urls)));
    routers = Collections.unmodifiableMap(copied);
  }

  /**
   * One router per region (the local cluster's shape), plaintext HTTP on both sides ({@link FrontDoorTls#none()})
   * and the default listener limits.
   */
  public FrontDoorOptions(List<String> anycastAddresses, int port, Map<String, URI> routers, String defaultHomeRegion,
      Map<String, String> clientHomeRegions, HealthCheckOptions healthCheck, Duration dialRefresh) {
    this(anycastAddresses, port, oneRouterEach(routers), defaultHomeRegion, clientHomeRegions, healthCheck,
        dialRefresh, FrontDoorTls.none(), ListenerLimits.defaults());
  }

  /** One router per region, everything else the defaults (plaintext, port {@value #DEFAULT_PORT}). */
  public static FrontDoorOptions defaults(Map<String, URI> routers) {
    return new FrontDoorOptions(DEFAULT_ANYCAST_ADDRESSES, DEFAULT_PORT, routers, Regions.US_EAST_1, Map.of(),
        HealthCheckOptions.defaults(), DEFAULT_DIAL_REFRESH);
  }

  /** {@code region -> router} as {@code region -> [router]}, in the same order. */
  public static Map<String, List<URI>> oneRouterEach(Map<String, URI> routers) {
    Map<String, List<URI>> lists = new LinkedHashMap<>();
    if (routers != null) {
      routers.forEach((region, router) -> lists.put(region, List.of(router)));
    }
    return lists;
  }

  /**
   * Why {@code router} cannot be a router's URL, or null when it can: the front door connects to its scheme's
   * host and port and sends the tenant's path as it came, so it needs http(s), a host and a port, nothing else.
   */
  public static String routerUrlProblem(URI router) {
    if (router == null) {
      return "a URL is required";
    }
    if (!"http".equals(router.getScheme()) && !"https".equals(router.getScheme())) {
      return "the scheme must be http or https";
    }
    if (router.getHost() == null) {
      return "a host is required";
    }
    if (router.getPort() < 1) {
      return "a port is required";
    }
    boolean bare = (router.getRawPath() == null || router.getRawPath().isEmpty() || router.getRawPath().equals("/"))
        && router.getRawQuery() == null && router.getRawFragment() == null && router.getRawUserInfo() == null;
    return bare ? null : "only scheme, host and port are allowed (no path, query or user)";
  }

  private static void checkRouters(String region, List<URI> urls) {
    if (urls == null || urls.isEmpty()) {
      throw new IllegalArgumentException("routers of " + region + " must list at least one router URL");
    }
    for (URI url : urls) {
      String problem = routerUrlProblem(url);
      if (problem != null) {
        throw new IllegalArgumentException("router " + url + " of " + region + ": " + problem);
      }
    }
    if (Set.copyOf(urls).size() != urls.size()) {
      throw new IllegalArgumentException("routers of " + region + " list a URL twice: " + urls);
    }
  }


  public FrontDoorOptions withPort(int newPort) {
    return new FrontDoorOptions(anycastAddresses, newPort, routers, defaultHomeRegion, clientHomeRegions,
        healthCheck, dialRefresh, tls, listener);
  }

  public FrontDoorOptions withHealthCheck(HealthCheckOptions newHealthCheck) {
    return new FrontDoorOptions(anycastAddresses, port, routers, defaultHomeRegion, clientHomeRegions,
        newHealthCheck, dialRefresh, tls, listener);
  }

  public FrontDoorOptions withTls(FrontDoorTls newTls) {
    return new FrontDoorOptions(anycastAddresses, port, routers, defaultHomeRegion, clientHomeRegions,
        healthCheck, dialRefresh, newTls, listener);
  }

  public FrontDoorOptions withListener(ListenerLimits newListener) {
    return new FrontDoorOptions(anycastAddresses, port, routers, defaultHomeRegion, clientHomeRegions,
        healthCheck, dialRefresh, tls, newListener);
  }
}
