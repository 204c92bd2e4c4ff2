package io.mrgc.router.ppv2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.router.EdgeListeners;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The trusted-network parser: exact messages for every mistake, no name lookups, and the membership test. */
class CidrTest {
  @Test
  void parsesIpv4AndIpv6NetworksAndTellsMembership() throws Exception {
    Cidr v4 = Cidr.parse(" 10.0.0.0/16 ");
    assertThat(v4).hasToString("10.0.0.0/16");
    assertThat(v4.contains(InetAddress.getByName("10.0.255.1"))).isTrue();
    assertThat(v4.contains(InetAddress.getByName("10.1.0.1"))).isFalse();
    assertThat(v4.contains(InetAddress.getByName("::ffff:10.0.0.7"))).as("a mapped IPv4 address").isTrue();
    Cidr v6 = Cidr.parse("fd00::/8");
    assertThat(v6.contains(InetAddress.getByName("fd12::1"))).isTrue();
    assertThat(v6.contains(InetAddress.getByName("10.0.0.1"))).isFalse();
    assertThat(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("203.0.113.9"))).isTrue();
    assertThat(Cidr.parse("127.0.0.1/32").contains(InetAddress.getByName("127.0.0.2"))).isFalse();
  }

  @Test
  void refusesMistakesWithExactMessages() {
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0")).hasMessage(
        "CIDR must be <address>/<prefix length>, e.g. 10.0.0.0/16, but was \"10.0.0.0\"");
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessage(
        "CIDR prefix length must be between 0 and 32 for an IPv4 address, but was \"33\" in \"10.0.0.0/33\"");
    assertThatThrownBy(() -> Cidr.parse("fd00::/129")).hasMessage(
        "CIDR prefix length must be between 0 and 128 for an IPv6 address, but was \"129\" in \"fd00::/129\"");
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/x")).hasMessageContaining("but was \"x\"");
    assertThatThrownBy(() -> Cidr.parse("10.0.1.0/16")).hasMessage(
        "CIDR \"10.0.1.0/16\" has host bits set; write its network, 10.0.0.0/16");
    assertThatThrownBy(() -> Cidr.parse("nlb.internal/24")).as("never a name lookup").hasMessage(
        "CIDR address must be an IPv4 or IPv6 literal, but was \"nlb.internal/24\"");
    assertThatThrownBy(() -> Cidr.parse("300.0.0.0/8")).hasMessage(
        "CIDR address must be an IPv4 or IPv6 literal, but was \"300.0.0.0/8\"");
    assertThatThrownBy(() -> Cidr.parse(" ")).hasMessage("a CIDR must not be blank; write e.g. 10.0.0.0/16");
  }

  @Test
  void edgeListenersValidateTheirSettings() {
    EdgeListeners defaults = EdgeListeners.defaults();
    assertThat(defaults.proxyProtocolTrustedCidrs()).extracting(Cidr::toString)
        .containsExactly("127.0.0.0/8", "0:0:0:0:0:0:0:1/128");
    assertThat(defaults.adminHost()).isEqualTo("127.0.0.1");
    assertThatThrownBy(() -> defaults.withProxyProtocolTrustedCidrs(List.of())).hasMessage(
        "proxyProtocolTrustedCidrs must not be empty; list the PrivateLink NLB's subnets, e.g. 10.0.0.0/24");
    assertThatThrownBy(() -> defaults.withAdminPort(70000)).hasMessage(
        "adminPort must be between 0 and 65535, but was 70000");
    assertThatThrownBy(() -> defaults.withAdminHost(" ")).hasMessage("adminHost must not be blank");
    assertThatThrownBy(() -> defaults.withProxyProtocolHost("")).hasMessage("proxyProtocolHost must not be blank");
    assertThat(defaults.withProxyProtocolTrustedCidrs("10.0.0.0/24, 10.0.1.0/24").proxyProtocolTrustedCidrs())
        .extracting(Cidr::toString).containsExactly("10.0.0.0/24", "10.0.1.0/24");
  }

  @Test
  void trustedPeersMatchTheReportedHostAddress() {
    TrustedPeers peers = new TrustedPeers(List.of(Cidr.parse("127.0.0.1/32"), Cidr.parse("::1/128")));
    assertThat(peers.trusts("127.0.0.1")).isTrue();
    assertThat(peers.trusts("0:0:0:0:0:0:0:1")).isTrue();
    assertThat(peers.trusts("127.0.0.2")).isFalse();
    assertThat(peers.trusts("fe80::1%eth0")).isFalse();
    assertThat(peers.trusts("not-an-ip")).isFalse();
    assertThat(peers.trusts(null)).isFalse();
  }
}
