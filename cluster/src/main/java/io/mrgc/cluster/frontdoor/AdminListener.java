package io.mrgc.cluster.frontdoor;

import io.mrgc.common.Check;
import io.mrgc.common.config.ConfigReader;

/**
 * Where the front door's admin listener ({@code /livez}, {@code /readyz}, {@code /healthz} with each region's router
 * health) binds: a private address for health checks and on-call, never the anycast addresses.
 */
public record AdminListener(String host, int port) {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 9100;

  public AdminListener {
    Check.notBlank("host", host);
    Check.between("port", port, 0, 65535);
  }

  /** The {@code admin.*} keys; null when {@code admin.enabled} is false. */
  static AdminListener read(ConfigReader reader) {
    ConfigReader admin = reader.section("admin");
    boolean enabled = admin.flag("enabled", true, "whether the admin listener runs");
    String host = admin.string("host", DEFAULT_HOST,
        "the private address the admin listener binds (never an anycast address: it is not for tenants)");
    int port = admin.integer("port", DEFAULT_PORT, 0, 65535, "the admin listener's port (0: a free port)");
    if (enabled && isWildcard(host)) {
      admin.problem("host", "'" + host + "' is not allowed; allowed: one private address, not every interface");
    }
    return enabled ? new AdminListener(host, port) : null;
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
  }
}
