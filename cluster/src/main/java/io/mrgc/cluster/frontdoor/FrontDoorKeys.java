package io.mrgc.cluster.frontdoor;

import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.net.ListenerLimits;
import io.mrgc.common.tls.ClientTls;
import io.mrgc.common.tls.ServerTls;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The front door's keys in a service file, read into {@link FrontDoorOptions}: where it listens, each region's
 * routers, how a caller's home region is found, health checks, dials, TLS and listener limits. Each key is checked
 * on its own, and the ones that depend on each other (home regions and routers, router schemes and TLS) together.
 */
final class FrontDoorKeys {
  static final String ROUTER_URLS_ALLOWED = "http(s) URLs with a host and a port, such as http://127.0.0.1:9001";
  private static final Pattern IPV4 =
      Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  private static final String REGIONS = String.join(", ", Regions.ALL);

  private FrontDoorKeys() {}

  /** Reads and checks every front door key; null when there are problems (the reader holds them). */
  static FrontDoorOptions read(ConfigReader reader) {
    List<String> addresses = reader.list("anycastAddresses", FrontDoorOptions.DEFAULT_ANYCAST_ADDRESSES,
        "the addresses tenants connect to (Global Accelerator's two static anycast IPs); each gets a listener");
    checkAddresses(reader, addresses);
    int port = reader.integer("port", FrontDoorOptions.DEFAULT_PORT, 0, 65535,
        "the port every anycast address listens on (0: a free port each, for tests)");
    Map<String, List<URI>> routers = routers(reader);
    String home = reader.string("defaultHomeRegion", Regions.US_EAST_1,
        "the home region of a caller with no x-mrgc-home-region header and no clientHomeRegions entry; needs routers");
    if (!routers.isEmpty() && !routers.containsKey(home)) {
      reader.problem("defaultHomeRegion", "'" + home + "' has no routers; allowed: a region under routers ("
          + String.join(", ", routers.keySet()) + ")");
    }
    Map<String, String> clientHomes = clientHomeRegions(reader);
    HealthCheckOptions healthCheck = healthCheck(reader);
    Duration dialRefresh = reader.duration("dialRefresh", FrontDoorOptions.DEFAULT_DIAL_REFRESH,
        "how often traffic dials are re-read from routing_state (the failover controller writes them)");
    FrontDoorTls tls = tls(reader, routers);
    ListenerLimits listener = listenerLimits(reader);
    return reader.build("", () -> new FrontDoorOptions(addresses, port, routers, home, clientHomes,
        healthCheck, dialRefresh, tls, listener));
  }

  private static void checkAddresses(ConfigReader reader, List<String> addresses) {
    for (String address : addresses == null ? List.<String>of() : addresses) {
      if (!isIpAddress(address)) {
        reader.problem("anycastAddresses", "'" + address + "' is not allowed; allowed: IP addresses, such as "
            + String.join(", ", FrontDoorOptions.DEFAULT_ANYCAST_ADDRESSES));
      }
    }
  }

  /** An IPv4 or IPv6 literal; never a name (a name would need DNS, and the anycast addresses are addresses). */
  static boolean isIpAddress(String text) {
    if (IPV4.matcher(text).matches()) {
      return true;
    }
    if (!text.contains(":") || !text.matches("[0-9A-Fa-f:.]+")) {
      return false;
    }
    try {
      InetAddress.getByName(text); // a literal with ':' is parsed, never looked up
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static Map<String, List<URI>> routers(ConfigReader reader) {
    Map<String, String> byRegion = reader.map("routers", "a region id, its value a list of " + ROUTER_URLS_ALLOWED,
        "each region's router URLs (the tasks behind its NLB): the front door spreads connections over them, "
            + "health-checks each, and retries a refused connection on another");
    Map<String, List<URI>> routers = new LinkedHashMap<>();
    if (byRegion.isEmpty()) {
      reader.problem("routers", "missing; required: at least one region's router URLs, such as "
          + "routers.us-east-1: [http://127.0.0.1:9001]");
    }
    byRegion.forEach((region, text) -> {
      if (!Regions.ALL.contains(region)) {
        reader.problem("routers." + region, "unknown region; allowed: " + REGIONS);
        return;
      }
      if (text.isBlank()) {
        reader.problem("routers." + region, "missing; required: a list of " + ROUTER_URLS_ALLOWED);
        return;
      }
      List<URI> urls = new ArrayList<>();
      for (String item : text.split(",")) {
        routerUrl(reader, region, item.trim()).ifPresent(url -> {
          if (urls.contains(url)) {
            reader.problem("routers." + region, "'" + url + "' is listed twice; allowed: each router once");
          } else {
            urls.add(url);
          }
        });
      }
      routers.put(region, urls);
    });
    if (routers.values().stream().flatMap(List::stream).map(URI::getScheme).distinct().count() > 1) {
      reader.problem("routers", "mixes http and https URLs; allowed: all http, or all https (with tls.caFile)");
    }
    return routers;
  }

  private static Optional<URI> routerUrl(ConfigReader reader, String region, String text) {
    String problem;
    URI url = null;
    try {
      url = new URI(text);
      problem = FrontDoorOptions.routerUrlProblem(url);
    } catch (URISyntaxException e) {
      problem = "it is not a URL";
    }
    if (problem != null) {
      reader.problem("routers." + region, "'" + text + "' is not allowed (" + problem + "); allowed: "
          + ROUTER_URLS_ALLOWED);
      return Optional.empty();
    }
    return Optional.of(url);
  }

  private static Map<String, String> clientHomeRegions(ConfigReader reader) {
    Map<String, String> homes = reader.map("clientHomeRegions", "a client IP address, its value a region id",
        "the home region of callers by their IP address (what anycast proximity gives in AWS), when they send no "
            + "x-mrgc-home-region header");
    homes.forEach((client, region) -> {
      if (!isIpAddress(client)) {
        reader.problem("clientHomeRegions." + client, "not an IP address; allowed: a client IP address such as "
            + "127.0.0.1");
      } else if (!Regions.ALL.contains(region)) {
        reader.problem("clientHomeRegions." + client, "'" + region + "' is not allowed; allowed: one of " + REGIONS);
      }
    });
    return homes;
  }

  private static HealthCheckOptions healthCheck(ConfigReader reader) {
    ConfigReader section = reader.section("healthCheck");
    Duration interval = section.duration("interval", HealthCheckOptions.DEFAULT_INTERVAL,
        "how often each router's health path is checked (Global Accelerator: 10s or 30s)");
    int threshold = section.integer("thresholdCount", HealthCheckOptions.DEFAULT_THRESHOLD_COUNT, 1, 10,
        "consecutive failed (or passing) checks that take a router out (or back)");
    Duration timeout = section.duration("timeout", HealthCheckOptions.DEFAULT_TIMEOUT,
        "how long a check may take (connect and answer) before it counts as failed");
    String path = section.string("path", HealthCheckOptions.DEFAULT_PATH,
        "the routers' path that answers 200 while the region takes traffic (503 in FAILOVER_ACTIVE)");
    return reader.build("healthCheck", () -> new HealthCheckOptions(interval, threshold, timeout, path));
  }

  /**
   * TLS on by default: the listeners need a certificate and key unless {@code tls.enabled: false} says plaintext,
   * and https routers need the CA to trust (http ones must not get one: it would speak TLS to them).
   */
  private static FrontDoorTls tls(ConfigReader reader, Map<String, List<URI>> routers) {
    ConfigReader section = reader.section("tls");
    boolean enabled = section.flag("enabled", true,
        "false serves plaintext HTTP on the anycast addresses and speaks HTTP to the routers (local tests only)");
    Optional<Path> certificate = section.optionalPath("certificateFile",
        "PEM certificate chain of the anycast listeners (the server's first, then intermediates)");
    Optional<Path> key = section.optionalPath("keyFile",
        "PEM private key of certificateFile (unencrypted; keep it mode 0600)");
    Optional<Path> ca = section.optionalPath("caFile",
        "PEM CA certificate(s) the https routers' certificates chain to; the only ones trusted");
    List<String> schemes = routers.values().stream().flatMap(List::stream).map(URI::getScheme).distinct().toList();
    if (!enabled) {
      List<String> set = new ArrayList<>();
      certificate.ifPresent(p -> set.add("tls.certificateFile"));
      key.ifPresent(p -> set.add("tls.keyFile"));
      ca.ifPresent(p -> set.add("tls.caFile"));
      if (!set.isEmpty()) {
        section.problem("enabled", "false, but " + String.join(", ", set) + " set; remove them or enable TLS");
      }
      if (schemes.contains("https")) {
        section.problem("enabled", "false, but routers are https; use http router URLs or enable TLS");
      }
      return FrontDoorTls.none();
    }
    String plaintextHint = " (or set tls.enabled: false to serve plaintext HTTP)";
    if (certificate.isEmpty()) {
      section.problem("certificateFile", "missing; required while tls.enabled is true: the anycast listeners' PEM "
          + "certificate chain" + plaintextHint);
    }
    if (key.isEmpty()) {
      section.problem("keyFile", "missing; required while tls.enabled is true: the PEM private key of "
          + "tls.certificateFile" + plaintextHint);
    }
    if (schemes.contains("https") && ca.isEmpty()) {
      section.problem("caFile", "missing; required for https routers: the PEM CA certificate(s) their certificates "
          + "chain to");
    }
    if (schemes.equals(List.of("http")) && ca.isPresent()) {
      section.problem("caFile", "set, but the routers are http; use https router URLs or remove tls.caFile");
    }
    return reader.build("tls", () -> new FrontDoorTls(ServerTls.fromPem(certificate.orElse(null), key.orElse(null)),
        ca.map(ClientTls::trusting).orElse(ClientTls.none())));
  }

  private static ListenerLimits listenerLimits(ConfigReader reader) {
    ConfigReader section = reader.section("listener");
    Duration header = section.duration("headerTimeout", ListenerLimits.DEFAULT_HEADER_TIMEOUT,
        "longest time from a connection's accept to its first complete request head (slowloris bound)");
    Duration idle = section.duration("idleTimeout", ListenerLimits.DEFAULT_IDLE_TIMEOUT,
        "longest silence on a connection, and wait for the next request on a kept-alive one");
    Duration request = section.duration("requestTimeout", ListenerLimits.DEFAULT_REQUEST_TIMEOUT,
        "longest time from a request's head to the end of its response");
    int max = section.integer("maxConnections", ListenerLimits.DEFAULT_MAX_CONNECTIONS, 1, 1_000_000,
        "most connections open at once on each anycast address; more are closed at accept");
    return reader.build("listener", () -> new ListenerLimits(header, idle, request, max));
  }
}
