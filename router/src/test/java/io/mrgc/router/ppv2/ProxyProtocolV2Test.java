package io.mrgc.router.ppv2;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ProxyProtocolV2Test {
  private static final String VPCE = "vpce-0123456789abcdef0";

  @Test
  void parsesAnInetHeaderWithTheAwsVpcEndpointTlv() {
    Buffer header = ProxyHeaders.inet(VPCE);
    Buffer withData = header.copy().appendString("GET / HTTP/1.1\r\n");
    ProxyProtocolV2.Result result = ProxyProtocolV2.parse(withData);
    assertThat(result).isInstanceOf(ProxyProtocolV2.Parsed.class);
    ProxyProtocolV2.Header parsed = ((ProxyProtocolV2.Parsed) result).header();
    assertThat(parsed.local()).isFalse();
    assertThat(parsed.sourceAddress()).isEqualTo("10.1.2.3:40000");
    assertThat(parsed.vpcEndpointId()).isEqualTo(VPCE);
    assertThat(parsed.length()).isEqualTo(header.length());
  }

  @Test
  void parsesInet6WithCrcAndLocal() {
    ProxyProtocolV2.Header v6 = parsed(ProxyHeaders.inet6WithCrc(VPCE));
    assertThat(v6.vpcEndpointId()).isEqualTo(VPCE);
    assertThat(v6.sourceAddress()).isEqualTo("[0:0:0:0:0:0:0:1]:40001");
    ProxyProtocolV2.Header local = parsed(ProxyHeaders.local());
    assertThat(local.local()).isTrue();
    assertThat(local.vpcEndpointId()).isNull();
    assertThat(local.length()).isEqualTo(16);
    assertThat(parsed(ProxyHeaders.inet(null)).vpcEndpointId()).isNull();
  }

  @Test
  void everyPrefixOfAValidHeaderIsIncompleteWithinTheBound() {
    Buffer header = ProxyHeaders.inet6WithCrc(VPCE);
    for (int n = 0; n < header.length(); n++) {
      ProxyProtocolV2.Result result = ProxyProtocolV2.parse(header.getBuffer(0, n));
      assertThat(result).as("prefix of %d bytes", n).isInstanceOf(ProxyProtocolV2.Incomplete.class);
      assertThat(((ProxyProtocolV2.Incomplete) result).totalBytes()).isBetween(n + 1, ProxyProtocolV2.MAX_HEADER_BYTES);
    }
  }

  @Test
  void strictRejections() {
    assertMalformed(Buffer.buffer("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assertMalformed(Buffer.buffer("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n")); // v1 is not accepted
    Buffer badVersion = ProxyHeaders.inet(VPCE);
    badVersion.setUnsignedByte(12, (short) 0x11);
    assertMalformed(badVersion);
    Buffer badCommand = ProxyHeaders.inet(VPCE);
    badCommand.setUnsignedByte(12, (short) 0x22);
    assertMalformed(badCommand);
    Buffer udp = ProxyHeaders.inet(VPCE);
    udp.setUnsignedByte(13, (short) 0x12);
    assertMalformed(udp);
    Buffer badCrc = ProxyHeaders.inet6WithCrc(VPCE);
    badCrc.setUnsignedByte(20, (short) 7);
    assertMalformed(badCrc);
    assertMalformed(ProxyHeaders.inet("vpce-UPPER"));
    assertMalformed(ProxyHeaders.inet("not-a-vpce"));
    Buffer twice = ProxyHeaders.header(0x21, 0x11, Buffer.buffer(new byte[12]),
        ProxyHeaders.awsVpceTlv(VPCE).appendBuffer(ProxyHeaders.awsVpceTlv(VPCE)));
    assertMalformed(twice);
    Buffer truncatedTlv = ProxyHeaders.header(0x21, 0x11, Buffer.buffer(new byte[12]), Buffer.buffer(new byte[] {1, 0}));
    assertMalformed(truncatedTlv);
    Buffer tlvPastEnd = ProxyHeaders.header(0x21, 0x11, Buffer.buffer(new byte[12]),
        Buffer.buffer().appendUnsignedByte((short) 0xEA).appendUnsignedShort(50).appendByte((byte) 1));
    assertMalformed(tlvPastEnd);
    Buffer shortAddress = ProxyHeaders.header(0x21, 0x21, Buffer.buffer(new byte[12]), Buffer.buffer());
    assertMalformed(shortAddress);
  }

  @Test
  void aDeclaredLengthOverTheBoundIsRefusedAfterTheFixedBytes() {
    Buffer huge = ProxyHeaders.inet(VPCE).getBuffer(0, 16);
    huge.setUnsignedShort(14, 65535);
    assertMalformed(huge);
  }

  /** Property: random and mutated inputs never throw, and never ask for more than the bound. */
  @Test
  void randomAndMutatedHeadersNeverThrowAndStayWithinTheBound() {
    Random random = new Random(42);
    Buffer[] valid = {ProxyHeaders.inet(VPCE), ProxyHeaders.inet6WithCrc(VPCE), ProxyHeaders.local()};
    int parsed = 0;
    for (int i = 0; i < 50_000; i++) {
      Buffer input;
      if (i % 3 == 0) {
        byte[] bytes = new byte[random.nextInt(200)];
        random.nextBytes(bytes);
        if (random.nextBoolean() && bytes.length >= 12) {
          System.arraycopy(ProxyProtocolV2.SIGNATURE, 0, bytes, 0, 12);
        }
        input = Buffer.buffer(bytes);
      } else {
        input = valid[random.nextInt(valid.length)].copy();
        int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations; m++) {
          int at = 12 + random.nextInt(input.length() - 12); // keep the signature so the parser goes deeper
          input.setByte(at, (byte) random.nextInt(256));
        }
        if (random.nextInt(4) == 0) {
          input = input.getBuffer(0, random.nextInt(input.length() + 1));
        } else if (random.nextInt(4) == 0) {
          byte[] extra = new byte[random.nextInt(64)];
          random.nextBytes(extra);
          input.appendBytes(extra);
        }
      }
      ProxyProtocolV2.Result result = ProxyProtocolV2.parse(input); // an exception fails the test
      assertThat(result).isNotNull();
      if (result instanceof ProxyProtocolV2.Incomplete incomplete) {
        assertThat(incomplete.totalBytes()).isBetween(input.length() + 1, ProxyProtocolV2.MAX_HEADER_BYTES);
      } else if (result instanceof ProxyProtocolV2.Parsed ok) {
        parsed++;
        assertThat(ok.header().length()).isBetween(16, Math.min(input.length(), ProxyProtocolV2.MAX_HEADER_BYTES));
      }
    }
    assertThat(parsed).as("some mutations stay valid (e.g. inside addresses)").isPositive();
  }

  private static ProxyProtocolV2.Header parsed(Buffer header) {
    ProxyProtocolV2.Result result = ProxyProtocolV2.parse(header);
    assertThat(result).isInstanceOf(ProxyProtocolV2.Parsed.class);
    return ((ProxyProtocolV2.Parsed) result).header();
  }

  private static void assertMalformed(Buffer input) {
    assertThat(ProxyProtocolV2.parse(input)).isInstanceOf(ProxyProtocolV2.Malformed.class);
  }
}
