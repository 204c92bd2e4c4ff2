package io.mrgc.router.ppv2;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The source networks allowed to send PROXY protocol v2 headers (the PrivateLink NLB's subnets). Anyone else could
 * claim any VPC endpoint id, so their connections are closed at accept, before a byte is read.
 */
public final class TrustedPeers {
  private final List<Cidr> networks;

  public TrustedPeers(List<Cidr> networks) {
    this.networks = List.copyOf(networks);
  }

  /** Whether a peer at {@code hostAddress} (an IP literal, as Vert.x reports it) may send a PROXY header. */
  public boolean trusts(String hostAddress) {
    if (hostAddress == null || hostAddress.isEmpty()) {
      return false;
    }
    InetAddress address;
    try {
      address = InetAddress.getByAddress(Cidr.literal(stripZone(hostAddress), hostAddress));
    } catch (IllegalArgumentException | UnknownHostException e) {
      return false; // not an IP peer (e.g. a Unix socket): not a trusted network
    }
    for (Cidr network : networks) {
      if (network.contains(address)) {
        return true;
      }
    }
    return false;
  }

  public List<Cidr> networks() {
    return networks;
  }

  /** {@code fe80::1%eth0} -> {@code fe80::1}: the zone does not change which network the address is in. */
  private static String stripZone(String hostAddress) {
    int percent = hostAddress.indexOf('%');
    return percent < 0 ? hostAddress : hostAddress.substring(0, percent);
  }
}
