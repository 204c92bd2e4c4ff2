package io.mrgc.router;

import io.mrgc.common.Check;
import io.mrgc.router.ppv2.Cidr;
import java.util.List;
import java.util.Objects;

/**
 * The router's listeners beside the tenant listener: the PROXY protocol v2 listener's address and trust, and the
 * admin listener.
 *
 * @param proxyProtocolHost interface the PROXY protocol v2 listener binds (its own address: in AWS the interface the
 *     PrivateLink NLB targets, never one tenants reach directly); its port is {@link RouterOptions#proxyProtocolPort()}
 * @param proxyProtocolTrustedCidrs source networks allowed to send PROXY v2 headers (the NLB's subnets); a
 *     connection from elsewhere is closed at accept, before a byte is read, since its header could claim any VPC
 *     endpoint id
 * @param adminHost interface of the admin listener ({@code /metrics}, {@code /healthz/region} with its details):
 *     loopback locally, a VPC-only interface in AWS; never the tenant-facing one
 * @param adminPort port of the admin listener; 0 picks a free one (see {@link RouterVerticle#adminPort()})
 */
public record EdgeListeners(String proxyProtocolHost, List<Cidr> proxyProtocolTrustedCidrs, String adminHost,
    int adminPort) {
  public static final String DEFAULT_PROXY_PROTOCOL_HOST = "127.0.0.1";
  /** Loopback only: the local stand-in for the NLB runs on this machine. */
  public static final List<Cidr> DEFAULT_PROXY_PROTOCOL_TRUSTED_CIDRS =
      List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128"));
  public static final String DEFAULT_ADMIN_HOST = "127.0.0.1";
  public static final int DEFAULT_ADMIN_PORT = 0;

  public EdgeListeners {
    Check.notBlank("proxyProtocolHost", proxyProtocolHost);
    Objects.requireNonNull(proxyProtocolTrustedCidrs, "proxyProtocolTrustedCidrs");
    if (proxyProtocolTrustedCidrs.isEmpty()) {
      throw new IllegalArgumentException("proxyProtocolTrustedCidrs must not be empty; list the PrivateLink NLB's "
          + "subnets, e.g. 10.0.0.0/24");
    }
    proxyProtocolTrustedCidrs = List.copyOf(proxyProtocolTrustedCidrs);
    Check.notBlank("adminHost", adminHost);
    Check.between("adminPort", adminPort, 0, 65535);
  }

  public static EdgeListeners defaults() {
    return new EdgeListeners(DEFAULT_PROXY_PROTOCOL_HOST, DEFAULT_PROXY_PROTOCOL_TRUSTED_CIDRS, DEFAULT_ADMIN_HOST,
        DEFAULT_ADMIN_PORT);
  }

  public EdgeListeners withProxyProtocolHost(String value) {
    return new EdgeListeners(value, proxyProtocolTrustedCidrs, adminHost, adminPort);
  }

  public EdgeListeners withProxyProtocolTrustedCidrs(List<Cidr> value) {
    return new EdgeListeners(proxyProtocolHost, value, adminHost, adminPort);
  }

  /** The trusted networks from their text, e.g. {@code "10.0.0.0/24,10.0.1.0/24"} (a flag's value). */
  public EdgeListeners withProxyProtocolTrustedCidrs(String commaSeparated) {
    return withProxyProtocolTrustedCidrs(java.util.Arrays.stream(commaSeparated.split(","))
        .filter(s -> !s.isBlank()).map(Cidr::parse).toList());
  }

  public EdgeListeners withAdminHost(String value) {
    return new EdgeListeners(proxyProtocolHost, proxyProtocolTrustedCidrs, value, adminPort);
  }

  public EdgeListeners withAdminPort(int value) {
    return new EdgeListeners(proxyProtocolHost, proxyProtocolTrustedCidrs, adminHost, value);
  }
}
