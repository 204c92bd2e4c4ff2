package io.mrgc.cluster;

import io.mrgc.common.Check;

/**
 * The routers' listeners beside the tenant one in the local cluster: each router's admin listener ({@code /metrics},
 * {@code /healthz/region} details; loopback) and, when asked for, its PROXY protocol v2 listener standing for the
 * PrivateLink NLB's target. Regions take consecutive ports from each base, like the routers' tenant ports.
 *
 * @param routerAdminBasePort first admin port (0: free ports)
 * @param privateLinkBasePort first PROXY protocol v2 port; {@link #NO_PRIVATE_LINK} for none, 0 for free ports
 */
public record LocalEdgePorts(int routerAdminBasePort, int privateLinkBasePort) {
  /** Admin listeners on 9101, 9102, 9103 for us-east-1, us-east-2, us-west-2. */
  public static final int DEFAULT_ROUTER_ADMIN_BASE_PORT = 9101;
  public static final int NO_PRIVATE_LINK = -1;

  public LocalEdgePorts {
    Check.between("routerAdminBasePort", routerAdminBasePort, 0, 65535 - 16);
    Check.between("privateLinkBasePort", privateLinkBasePort, NO_PRIVATE_LINK, 65535 - 16);
  }

  public static LocalEdgePorts defaults() {
    return new LocalEdgePorts(DEFAULT_ROUTER_ADMIN_BASE_PORT, NO_PRIVATE_LINK);
  }

  /** Free ports, no PrivateLink listener: for tests. */
  public static LocalEdgePorts ephemeral() {
    return new LocalEdgePorts(0, NO_PRIVATE_LINK);
  }

  public LocalEdgePorts withPrivateLinkBasePort(int value) {
    return new LocalEdgePorts(routerAdminBasePort, value);
  }

  /** The admin port of the router at {@code slot} ({@link LocalClusterOptions#routerSlot}), or 0 (a free one). */
  public int adminPort(int slot) {
    return routerAdminBasePort == 0 ? 0 : routerAdminBasePort + slot;
  }

  /** The PROXY protocol v2 port of the router at {@code slot}, or {@link #NO_PRIVATE_LINK}. */
  public int privateLinkPort(int slot) {
    return privateLinkBasePort <= 0 ? privateLinkBasePort : privateLinkBasePort + slot;
  }
}
