package io.mrgc.cluster.deploy;

import static io.mrgc.cluster.deploy.DeployFiles.map;

import io.mrgc.common.tls.ServerTls;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The services' configuration files of a local deployment, one generator for both placements: {@code mrgc up
 * --processes} (every service on this host's loopback, host paths) and {@code mrgc up --containers} (every service in
 * its own container, container hostnames and the paths its mounts give). The placement differs only in addresses and
 * paths, which the callers pass in; every other setting is the same in both.
 *
 * @param stateEndpoint DynamoDB (Local) as the services reach it
 * @param paths a host path as the services see it (absolute host paths, or where a container mounts it)
 * @param tls the listeners' certificate and key (host paths), or {@link ServerTls#none()} for plaintext
 * @param caCertificate the local CA (host path), or null for plaintext
 * @param fast the failover holds and health checks in seconds (tests), instead of the AWS defaults
 */
public record DeployConfigs(String stateEndpoint, Function<Path, String> paths, ServerTls tls, Path caCertificate,
    List<String> regions, int agentsPerRegion, boolean allowPlaintext, boolean fast) {

  /** A listener's bind address; the port is a number, or a placeholder such as ${port} that a fleet fills in. */
  public record Listen(String host, Object port) {
    Map<String, Object> yaml() {
      return map("host", host, "port", port);
    }
  }

  private Map<String, Object> deployment(String region) {
    return map("mode", "local", "region", region, "state", map("endpoint", stateEndpoint));
  }

  public Map<String, Object> router(String region, String routerId, Listen listener, Listen admin) {
    Map<String, Object> c = deployment(region);
    c.put("routerId", routerId);
    c.put("listener", listener.yaml());
    c.put("admin", admin.yaml());
    c.put("tls", tls(false));
    c.put("allowPlaintext", allowPlaintext);
    c.put("lifecycle", map("drainDelay", fast ? "2s" : "5s"));
    c.put("process", map("shutdownGrace", "15s"));
    return c;
  }

  /**
   * An agent's file; {@code instanceId} and the listener may be placeholders the fleet fills in per instance (or
   * leave to the MRGC_INSTANCE_ID and MRGC_LISTENER_HOST environment, as the launch template's user data does).
   */
  public Map<String, Object> agent(String region, String instanceId, Listen listener, Path modelRoot, String dataDir,
      Map<String, Object> enclave) {
    Map<String, Object> c = deployment(region);
    if (instanceId != null) { // null: the environment gives it (MRGC_INSTANCE_ID)
      c.put("instanceId", instanceId);
    }
    c.put("listener", listener.yaml());
    c.put("modelRoot", paths.apply(modelRoot));
    c.put("intraOpThreads", 1);
    if (dataDir != null) {
      c.put("dataDir", dataDir);
    }
    c.put("enclave", enclave);
    c.put("process", map("shutdownGrace", "10s"));
    return c;
  }

  /**
   * The control process of a region (autoscaler and failover controller) with {@code fleet} as its fleet section;
   * {@code routerAdminUrls}: every region's routers' admin URLs as this process reaches them.
   */
  public Map<String, Object> control(String region, Listen admin, Map<String, Object> fleet,
      Map<String, List<URI>> routerAdminUrls) {
    Map<String, Object> c = deployment(region);
    c.put("leaseHolder", "control-" + region);
    c.put("admin", admin.yaml());
    c.put("autoscaler", map(
        "scaling", map("minInstances", agentsPerRegion, "maxInstances", Math.max(agentsPerRegion, 4)),
        "loop", map("period", fast ? "2s" : "10s", "leaseTtl", fast ? "6s" : "30s"),
        "fleet", fleet));
    Map<String, Object> probes = new LinkedHashMap<>();
    routerAdminUrls.forEach((r, urls) -> probes.put(r, urls.stream().map(u -> u + "/healthz/region").toList()));
    Map<String, Object> failover = map(
        "evaluationPeriod", fast ? "1s" : "5s",
        "leaseTtl", fast ? "10s" : "15s",
        "regions", regions,
        "probe", map("routers", probes),
        "health", map("minServingInstances", 1, "heartbeatStaleAfter", fast ? "3s" : "15s"),
        // the agents this process's fleet launches boot first: no region is judged while it has none yet
        "startDelay", "30s");
    if (fast) {
      failover.put("machine", map("degradeAfter", "2/2s", "failAfter", "2/2s", "clearAfter", "3/3s",
          "recoverAfter", "3/3s", "rampHold", "2/2s", "drainHold", "2s"));
    }
    c.put("failover", failover);
    return c;
  }

  /** The front door on {@code anycastAddresses}, spreading over {@code routerUrls} (as it reaches them). */
  public Map<String, Object> frontDoor(List<String> anycastAddresses, int port, Map<String, List<URI>> routerUrls,
      Listen admin) {
    Map<String, Object> c = deployment(regions.get(0));
    c.put("anycastAddresses", anycastAddresses);
    c.put("port", port);
    Map<String, Object> targets = new LinkedHashMap<>();
    routerUrls.forEach((region, urls) -> targets.put(region, urls.stream().map(URI::toString).toList()));
    c.put("routers", targets);
    c.put("defaultHomeRegion", regions.get(0));
    c.put("healthCheck", map("interval", fast ? "1s" : "2s"));
    c.put("tls", tls(true));
    c.put("admin", admin.yaml());
    c.put("process", map("shutdownGrace", "15s"));
    return c;
  }

  /** TLS keys of a listener with the local CA's certificate; {@code trustRouters}: also the CA to trust routers. */
  private Map<String, Object> tls(boolean trustRouters) {
    if (!tls.enabled()) {
      return map("enabled", false);
    }
    Map<String, Object> section = map("enabled", true,
        "certificateFile", paths.apply(tls.certificateChain()),
        "keyFile", paths.apply(tls.privateKey()));
    if (trustRouters) {
      section.put("caFile", paths.apply(caCertificate));
    }
    return section;
  }

  /** Anycast address -> base URL of the front door listening there on {@code port}. */
  public Map<String, URI> anycastUrls(List<String> anycastAddresses, int port) {
    Map<String, URI> urls = new LinkedHashMap<>();
    anycastAddresses.forEach(address -> urls.put(address, URI.create(scheme() + "://" + address + ":" + port)));
    return urls;
  }

  /** The scheme of the routers' and the front door's listeners. */
  public String scheme() {
    return tls.enabled() ? "https" : "http";
  }
}
