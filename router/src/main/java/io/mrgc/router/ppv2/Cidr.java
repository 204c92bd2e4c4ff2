package io.mrgc.router.ppv2;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/16}, {@code fd00::/8}), parsed without name lookups
 * and with exact messages. The address must be the network itself (no host bits set), so that a typo such as
 * {@code 10.0.1.0/16} is caught rather than silently widened.
 */
public final class Cidr {
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  private final byte[] network;
  private final int prefixLength;
  private final String text;

  private Cidr(byte[] network, int prefixLength, String text) {
    this.network = network;
    this.prefixLength = prefixLength;
    this.text = text;
  }

  /** Parses {@code <address>/<prefix length>}; throws IllegalArgumentException saying what is wrong. */
  public static Cidr parse(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("a CIDR must not be blank; write e.g. 10.0.0.0/16");
    }
    String text = value.trim();
    int slash = text.indexOf('/');
    if (slash < 0 || slash != text.lastIndexOf('/')) {
      throw new IllegalArgumentException("CIDR must be <address>/<prefix length>, e.g. 10.0.0.0/16, but was \""
          + text + "\"");
    }
    byte[] address = literal(text.substring(0, slash), text);
    int bits = address.length * 8;
    String prefixText = text.substring(slash + 1);
    int prefix;
    try {
      prefix = prefixText.length() > 3 ? -1 : Integer.parseInt(prefixText);
    } catch (NumberFormatException e) {
      prefix = -1;
    }
    if (prefix < 0 || prefix > bits || prefixText.startsWith("+")) {
      throw new IllegalArgumentException("CIDR prefix length must be between 0 and " + bits + " for an IPv"
          + (bits == 32 ? 4 : 6) + " address, but was \"" + prefixText + "\" in \"" + text + "\"");
    }
    byte[] network = mask(address, prefix);
    if (!Arrays.equals(network, address)) {
      throw new IllegalArgumentException("CIDR \"" + text + "\" has host bits set; write its network, "
          + format(network) + "/" + prefix);
    }
    return new Cidr(network, prefix, format(network) + "/" + prefix);
  }

  /** Whether {@code address} lies in this network (an IPv4 address never matches an IPv6 network, or back). */
  public boolean contains(InetAddress address) {
    byte[] bytes = address.getAddress();
    return bytes.length == network.length && Arrays.equals(mask(bytes, prefixLength), network);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Cidr c && c.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  @Override
  public String toString() {
    return text;
  }

  /** The address bytes of an IPv4 or IPv6 literal; never a name lookup. */
  static byte[] literal(String address, String whole) {
    var v4 = IPV4.matcher(address);
    if (v4.matches()) {
      byte[] bytes = new byte[4];
      for (int i = 0; i < 4; i++) {
        int octet = Integer.parseInt(v4.group(i + 1));
        if (octet > 255) {
          throw notAnAddress(whole);
        }
        bytes[i] = (byte) octet;
      }
      return bytes;
    }
    if (address.indexOf(':') < 0 || !IPV6.matcher(address).matches()) {
      throw notAnAddress(whole);
    }
    try {
      // A string with ':' is parsed as an IPv6 literal, never looked up; a mapped IPv4 comes back as IPv4.
      return InetAddress.getByName(address).getAddress();
    } catch (UnknownHostException e) {
      throw notAnAddress(whole);
    }
  }

  private static IllegalArgumentException notAnAddress(String whole) {
    return new IllegalArgumentException("CIDR address must be an IPv4 or IPv6 literal, but was \"" + whole + "\"");
  }

  private static byte[] mask(byte[] address, int prefix) {
    byte[] masked = address.clone();
    for (int i = 0; i < masked.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      masked[i] &= (byte) (0xFF << (8 - keep));
    }
    return masked;
  }

  private static String format(byte[] address) {
    try {
      return InetAddress.getByAddress(address).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // cannot happen for 4 or 16 bytes
    }
  }
}
