package io.mrgc.router.ppv2;

import io.vertx.core.buffer.Buffer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * A strict parser of the PROXY protocol v2 header (haproxy proxy-protocol.txt, section 2.2) as sent by an AWS
 * Network Load Balancer in front of a PrivateLink endpoint service.
 *
 * <p>Accepted: the 12-byte signature; version 2; command LOCAL (0) or PROXY (1); for PROXY, family/protocol
 * UNSPEC/UNSPEC, INET/STREAM or INET6/STREAM (the router speaks TCP only); a length of at most
 * {@link #MAX_HEADER_BYTES} minus 16 that holds the family's address block; then TLVs that fill the rest exactly.
 * TLVs: AWS (0xEA) subtype 0x01 is the VPC endpoint id (at most once, {@code vpce-} and lower-case letters and
 * digits); CRC32C (0x03) is verified when present; the others are skipped. Anything else is {@link Malformed}.
 *
 * <p>{@link #parse} never throws, reads only within the bytes it is given and never needs more than
 * {@link #MAX_HEADER_BYTES}: a header declaring more is malformed as soon as its 16 fixed bytes are in.
 */
public final class ProxyProtocolV2 {
  /** Largest header accepted: 16 fixed bytes plus addresses and TLVs. AWS sends well under 100. */
  public static final int MAX_HEADER_BYTES = 1024;
  public static final int FIXED_BYTES = 16;
  public static final int TLV_CRC32C = 0x03;
  public static final int TLV_NOOP = 0x04;
  public static final int TLV_AWS = 0xEA;
  public static final int AWS_SUBTYPE_VPCE_ID = 0x01;
  public static final int COMMAND_LOCAL = 0;
  public static final int COMMAND_PROXY = 1;

  static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  private static final int[] ADDRESS_BYTES = {0, 12, 36, 216}; // UNSPEC, INET, INET6, UNIX
  private static final Pattern VPCE_ID = Pattern.compile("vpce-[0-9a-z]{1,59}");

  private ProxyProtocolV2() {}

  /**
   * A parsed header.
   *
   * @param local command LOCAL (a connection of the proxy itself, e.g. a health check): no client address
   * @param sourceAddress the client's {@code ip:port} ({@code [ipv6]:port}) for PROXY over INET/INET6, else null
   * @param vpcEndpointId the AWS VPC endpoint id from TLV 0xEA/0x01, or null
   * @param length bytes the header took; the connection's data starts after them
   */
  public record Header(boolean local, String sourceAddress, String vpcEndpointId, int length) {}

  /** What {@link #parse} found. */
  public sealed interface Result permits Incomplete, Malformed, Parsed {}

  /** More bytes are needed: at least {@code totalBytes} in all (never more than {@link #MAX_HEADER_BYTES}). */
  public record Incomplete(int totalBytes) implements Result {}

  /** Not a valid header: close the connection. {@code reason} holds no connection bytes. */
  public record Malformed(String reason) implements Result {}

  public record Parsed(Header header) implements Result {}

  /** Parses the header at the start of {@code data} (which may hold fewer bytes than the header, or more). */
  public static Result parse(Buffer data) {
    int available = data.length();
    for (int i = 0; i < SIGNATURE.length && i < available; i++) {
      if (data.getByte(i) != SIGNATURE[i]) {
        return new Malformed("not a PROXY protocol v2 signature");
      }
    }
    if (available < FIXED_BYTES) {
      return new Incomplete(FIXED_BYTES);
    }
    int versionCommand = data.getUnsignedByte(12);
    if (versionCommand >> 4 != 2) {
      return new Malformed("unsupported PROXY protocol version " + (versionCommand >> 4));
    }
    int command = versionCommand & 0x0F;
    if (command != COMMAND_LOCAL && command != COMMAND_PROXY) {
      return new Malformed("unknown PROXY protocol command " + command);
    }
    int familyProtocol = data.getUnsignedByte(13);
    int family = familyProtocol >> 4;
    int protocol = familyProtocol & 0x0F;
    if (family > 3 || protocol > 2) {
      return new Malformed("unknown address family/protocol 0x" + Integer.toHexString(familyProtocol));
    }
    if (command == COMMAND_PROXY) {
      boolean unspec = family == 0 && protocol == 0;
      boolean tcp = (family == 1 || family == 2) && protocol == 1;
      if (!unspec && !tcp) {
        return new Malformed("unsupported address family/protocol 0x" + Integer.toHexString(familyProtocol));
      }
    }
    int length = data.getUnsignedShort(14);
    int total = FIXED_BYTES + length;
    if (total > MAX_HEADER_BYTES) {
      return new Malformed("header of " + total + " bytes is over the limit of " + MAX_HEADER_BYTES);
    }
    int addressBytes = ADDRESS_BYTES[family];
    if (length < addressBytes) {
      return new Malformed("address block of family " + family + " needs " + addressBytes + " bytes, header has "
          + length);
    }
    if (available < total) {
      return new Incomplete(total);
    }
    String source = command == COMMAND_PROXY ? sourceAddress(data, family) : null;
    String vpce = null;
    int pos = FIXED_BYTES + addressBytes;
    while (pos < total) {
      if (total - pos < 3) {
        return new Malformed("truncated TLV");
      }
      int type = data.getUnsignedByte(pos);
      int valueLength = data.getUnsignedShort(pos + 1);
      int value = pos + 3;
      if (value + valueLength > total) {
        return new Malformed("TLV 0x" + Integer.toHexString(type) + " runs past the header");
      }
      if (type == TLV_AWS) {
        if (valueLength < 1) {
          return new Malformed("empty AWS TLV");
        }
        if (data.getUnsignedByte(value) == AWS_SUBTYPE_VPCE_ID) {
          if (vpce != null) {
            return new Malformed("VPC endpoint id sent twice");
          }
          vpce = ascii(data, value + 1, valueLength - 1);
          if (vpce == null || !VPCE_ID.matcher(vpce).matches()) {
            return new Malformed("malformed VPC endpoint id");
          }
        }
      } else if (type == TLV_CRC32C) {
        if (valueLength != 4) {
          return new Malformed("CRC32C TLV of " + valueLength + " bytes");
        }
        if (!crcMatches(data, total, value)) {
          return new Malformed("CRC32C mismatch");
        }
      }
      pos = value + valueLength;
    }
    return new Parsed(new Header(command == COMMAND_LOCAL, source, vpce, total));
  }

  private static String sourceAddress(Buffer data, int family) {
    if (family != 1 && family != 2) {
      return null;
    }
    int ipBytes = family == 1 ? 4 : 16;
    byte[] ip = data.getBytes(FIXED_BYTES, FIXED_BYTES + ipBytes);
    int port = data.getUnsignedShort(FIXED_BYTES + 2 * ipBytes);
    try {
      String host = InetAddress.getByAddress(ip).getHostAddress(); // no name lookup for a literal address
      return (family == 2 ? "[" + host + "]" : host) + ":" + port;
    } catch (UnknownHostException e) {
      return null; // cannot happen for 4 or 16 bytes
    }
  }

  private static String ascii(Buffer data, int from, int length) {
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      int c = data.getUnsignedByte(from + i);
      if (c < 0x21 || c > 0x7E) {
        return null;
      }
      text.append((char) c);
    }
    return text.toString();
  }

  /** The checksum covers the whole header with the checksum field itself zeroed. */
  private static boolean crcMatches(Buffer data, int total, int checksumAt) {
    byte[] header = data.getBytes(0, total);
    long expected = data.getUnsignedInt(checksumAt);
    for (int i = 0; i < 4; i++) {
      header[checksumAt + i] = 0;
    }
    CRC32C crc = new CRC32C();
    crc.update(header, 0, total);
    return crc.getValue() == expected;
  }
}
