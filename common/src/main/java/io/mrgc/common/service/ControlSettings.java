package io.mrgc.common.service;

import io.mrgc.common.config.ConfigReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.UUID;

/**
 * What a control-loop process has besides its loops: the id it holds leases under and its admin listener.
 *
 * @param leaseHolder the lease holder name and the actor of its writes; unique per process
 * @param adminHost the admin listener's bind address (a private one: health checks and on-call only)
 * @param adminPort the admin listener's port (0: any free port)
 */
public record ControlSettings(String leaseHolder, String adminHost, int adminPort) {
  public static final String DEFAULT_ADMIN_HOST = "127.0.0.1";

  /** Reads {@code leaseHolder}, {@code admin.host} and {@code admin.port} (default {@code defaultAdminPort}). */
  public static ControlSettings read(ConfigReader reader, int defaultAdminPort) {
    String holder = reader.string("leaseHolder", "",
        "the name this process holds its leases under and signs its writes with; unique per process (default: "
            + "<hostname>-<pid>). In AWS set it to the ECS task id (from the task metadata endpoint), so "
            + "`mrgc failover status` and `mrgc scale status` name the task");
    ConfigReader admin = reader.section("admin");
    String host = admin.string("host", DEFAULT_ADMIN_HOST,
        "bind address of the admin listener (/livez, /readyz, /healthz, /metrics): a private address, never public");
    int port = admin.integer("port", defaultAdminPort, 0, 65535, "port of the admin listener (0: any free port)");
    return new ControlSettings(holder.isBlank() ? defaultHolder() : holder.trim(), host, port);
  }

  /**
   * Reads a loop's lease TTL ({@code key}), which must exceed its evaluation period ({@code periodKey}): a lease that
   * lapses between two renewals loses the leader its lease on every evaluation.
   */
  public static Duration leaseTtl(ConfigReader reader, String key, Duration defaultTtl, String periodKey,
      Duration period, String description) {
    Duration ttl = reader.duration(key, defaultTtl, description);
    if (ttl != null && period != null && ttl.compareTo(period) <= 0) {
      reader.problem(key, "'" + text(ttl) + "' is not allowed; allowed: a duration longer than " + periodKey + " ("
          + text(period) + ")");
    }
    return ttl;
  }

  private static String text(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  /** {@code <hostname>-<pid>}; a random id where the host has no name. */
  static String defaultHolder() {
    try {
      return InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
    } catch (UnknownHostException e) {
      return "control-" + UUID.randomUUID();
    }
  }
}
