package io.mrgc.router.ppv2;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/** Test helper: builds PROXY protocol v2 headers the way an AWS NLB sends them. */
public final class ProxyHeaders {
  private ProxyHeaders() {}

  /** PROXY, INET/STREAM, 10.1.2.3:40000 -> 10.0.0.1:443, with the AWS VPC endpoint TLV when vpce is not null. */
  public static Buffer inet(String vpce) {
    Buffer tlvs = Buffer.buffer();
    if (vpce != null) {
      tlvs.appendBuffer(awsVpceTlv(vpce));
    }
    return header(0x21, 0x11, Buffer.buffer(new byte[] {10, 1, 2, 3, 10, 0, 0, 1}).appendUnsignedShort(40000)
        .appendUnsignedShort(443), tlvs);
  }

  /** PROXY, INET6/STREAM, ::1 port 40001 -> ::2 port 443, with the vpce TLV, a NOOP TLV and a CRC32C TLV. */
  public static Buffer inet6WithCrc(String vpce) {
    byte[] src = new byte[16];
    src[15] = 1;
    byte[] dst = new byte[16];
    dst[15] = 2;
    Buffer address = Buffer.buffer(src).appendBytes(dst).appendUnsignedShort(40001).appendUnsignedShort(443);
    Buffer tlvs = Buffer.buffer().appendBuffer(awsVpceTlv(vpce))
        .appendUnsignedByte((short) 0x04).appendUnsignedShort(2).appendBytes(new byte[2])
        .appendUnsignedByte((short) 0x03).appendUnsignedShort(4).appendInt(0);
    Buffer header = header(0x21, 0x21, address, tlvs);
    CRC32C crc = new CRC32C();
    crc.update(header.getBytes());
    header.setUnsignedInt(header.length() - 4, crc.getValue());
    return header;
  }

  /** LOCAL command (the load balancer's own connection), UNSPEC, no TLVs. */
  public static Buffer local() {
    return header(0x20, 0x00, Buffer.buffer(), Buffer.buffer());
  }

  public static Buffer awsVpceTlv(String vpce) {
    byte[] id = vpce.getBytes(StandardCharsets.US_ASCII);
    return Buffer.buffer().appendUnsignedByte((short) 0xEA).appendUnsignedShort(id.length + 1)
        .appendUnsignedByte((short) 0x01).appendBytes(id);
  }

  public static Buffer header(int versionCommand, int familyProtocol, Buffer address, Buffer tlvs) {
    return Buffer.buffer(ProxyProtocolV2.SIGNATURE)
        .appendUnsignedByte((short) versionCommand)
        .appendUnsignedByte((short) familyProtocol)
        .appendUnsignedShort(address.length() + tlvs.length())
        .appendBuffer(address)
        .appendBuffer(tlvs);
  }
}
