package io.mrgc.cluster.frontdoor;

import io.mrgc.common.Check;
import io.mrgc.common.net.ListenerLimits;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The local stand-in for Global Accelerator: two loopback "anycast" addresses, each region's router, how a caller's
 * home region is found (header {@value io.mrgc.wire.Headers#HOME_REGION}, else the client address mapping, else the
 * default),
 * health checks, how often traffic dials are re-read from routing_state, TLS on both sides ({@link FrontDoorTls}),
 * and the anycast listeners' header, idle and request deadlines and connection cap ({@code listener}, each address on
 * its own).
 */
public record FrontDoorOptions(
    List<String> anycastAddresses,
    int port,
    Map<String, URI> routers,
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
      throw new IllegalArgumentException("routers must map at least one region to its router URL");
    }
    routers.keySet().forEach(Regions::nearestFirst);
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
    routers = Map.copyOf(routers);
  }

  /** Plaintext HTTP on both sides ({@link FrontDoorTls#none()}) and the default listener limits. */
  public FrontDoorOptions(List<String> anycastAddresses, int port, Map<String, URI> routers, String defaultHomeRegion,
      Map<String, String> clientHomeRegions, HealthCheckOptions healthCheck, Duration dialRefresh) {
    this(anycastAddresses, port, routers, defaultHomeRegion, clientHomeRegions, healthCheck, dialRefresh,
        FrontDoorTls.none(), ListenerLimits.defaults());
  }

  public static FrontDoorOptions defaults(Map<String, URI> routers) {
    return new FrontDoorOptions(DEFAULT_ANYCAST_ADDRESSES, DEFAULT_PORT, routers, Regions.US_EAST_1, Map.of(),
        HealthCheckOptions.defaults(), DEFAULT_DIAL_REFRESH);
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
