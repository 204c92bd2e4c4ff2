package io.mrgc.router.ppv2;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Fuzzing of the PROXY protocol v2 parser, the first code to see a PrivateLink connection's bytes: random and
 * mutated headers, whole or delivered in chunks as the listener gets them. Whatever the bytes, {@link
 * ProxyProtocolV2#parse} returns a parsed header or a typed refusal (Incomplete, Malformed), never throws, never asks
 * for more than {@link ProxyProtocolV2#MAX_HEADER_BYTES} (the listener's memory bound per connection) and never
 * claims bytes it was not given; and chunked delivery ends in the same verdict as whole delivery.
 */
class ProxyProtocolV2FuzzTest {
  private static final List<Buffer> VALID = List.of(ProxyHeaders.inet("vpce-0123456789abcdef0"),
      ProxyHeaders.inet(null), ProxyHeaders.inet6WithCrc("vpce-0fffffffffffffff0"), ProxyHeaders.local());

  @Property
  void randomBytesGiveAHeaderOrATypedRefusal(@ForAll("randomInput") byte[] input) {
    checkVerdict(Buffer.buffer(input));
  }

  @Property
  void mutatedHeadersGiveAHeaderOrATypedRefusal(@ForAll("mutatedHeaders") byte[] input) {
    checkVerdict(Buffer.buffer(input));
  }

  /** The listener's way: append each chunk (up to the bound) and parse until the parser decides. */
  @Property
  void chunkedDeliveryEndsInTheVerdictOfWholeDelivery(@ForAll("mutatedHeaders") byte[] input,
      @ForAll @Size(max = 12) List<@IntRange(min = 1, max = 64) Integer> cuts) {
    Buffer whole = Buffer.buffer(input);
    ProxyProtocolV2.Result expected = ProxyProtocolV2.parse(whole.getBuffer(0,
        Math.min(whole.length(), ProxyProtocolV2.MAX_HEADER_BYTES)));
    Buffer head = Buffer.buffer();
    ProxyProtocolV2.Result result = new ProxyProtocolV2.Incomplete(0);
    int offset = 0;
    for (int i = 0; offset < input.length && result instanceof ProxyProtocolV2.Incomplete; i++) {
      int chunk = Math.min(input.length - offset, i < cuts.size() ? cuts.get(i) : input.length);
      int take = Math.min(chunk, ProxyProtocolV2.MAX_HEADER_BYTES - head.length());
      head.appendBuffer(whole, offset, take);
      offset += chunk;
      result = checkVerdict(head);
    }
    assertThat(result.getClass()).isEqualTo(expected.getClass());
    if (expected instanceof ProxyProtocolV2.Parsed parsed) {
      assertThat(((ProxyProtocolV2.Parsed) result).header()).isEqualTo(parsed.header());
    }
  }

  private static ProxyProtocolV2.Result checkVerdict(Buffer data) {
    ProxyProtocolV2.Result result = ProxyProtocolV2.parse(data); // an exception fails the property
    assertThat(result).isNotNull();
    if (result instanceof ProxyProtocolV2.Incomplete incomplete) {
      assertThat(incomplete.totalBytes()).isGreaterThan(data.length())
          .isLessThanOrEqualTo(ProxyProtocolV2.MAX_HEADER_BYTES);
    } else if (result instanceof ProxyProtocolV2.Parsed parsed) {
      assertThat(parsed.header().length()).isBetween(ProxyProtocolV2.FIXED_BYTES,
          Math.min(data.length(), ProxyProtocolV2.MAX_HEADER_BYTES));
      String vpce = parsed.header().vpcEndpointId();
      assertThat(vpce == null || vpce.matches("vpce-[0-9a-z]{1,59}")).as("vpce %s", vpce).isTrue();
    } else {
      assertThat(((ProxyProtocolV2.Malformed) result).reason()).isNotBlank();
    }
    return result;
  }

  @Provide
  Arbitrary<byte[]> randomInput() {
    Arbitrary<byte[]> tail = Arbitraries.bytes().array(byte[].class).ofMaxSize(1100);
    // Half of them start with the signature, so that the parser gets past its first check.
    return Combinators.combine(Arbitraries.of(true, false), tail).as((signed, bytes) -> {
      if (!signed) {
        return bytes;
      }
      byte[] out = new byte[ProxyProtocolV2.SIGNATURE.length + bytes.length];
      System.arraycopy(ProxyProtocolV2.SIGNATURE, 0, out, 0, ProxyProtocolV2.SIGNATURE.length);
      System.arraycopy(bytes, 0, out, ProxyProtocolV2.SIGNATURE.length, bytes.length);
      return out;
    });
  }

  /** A valid header (plus some connection bytes) with a few bytes overwritten, cut or grown. */
  @Provide
  Arbitrary<byte[]> mutatedHeaders() {
    Arbitrary<Mutation> mutation = Combinators.combine(Arbitraries.integers().between(0, 2),
        Arbitraries.integers().between(0, 1200), Arbitraries.integers().between(0, 255)).as(Mutation::new);
    return Combinators.combine(Arbitraries.of(VALID), mutation.list().ofMaxSize(6),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(40)).as((valid, mutations, trailing) -> {
          byte[] bytes = valid.copy().appendBytes(trailing).getBytes();
          for (Mutation m : mutations) {
            bytes = m.apply(bytes);
          }
          return bytes;
        });
  }

  /** kind 0: overwrite a byte (length fields and TLV types included), 1: cut the input there, 2: insert a byte. */
  record Mutation(int kind, int at, int value) {
    byte[] apply(byte[] bytes) {
      int position = bytes.length == 0 ? 0 : at % (bytes.length + (kind == 2 ? 1 : 0));
      return switch (kind) {
        case 0 -> {
          if (bytes.length > 0) {
            bytes[position % bytes.length] = (byte) value;
          }
          yield bytes;
        }
        case 1 -> java.util.Arrays.copyOf(bytes, position);
        default -> {
          byte[] grown = new byte[bytes.length + 1];
          System.arraycopy(bytes, 0, grown, 0, position);
          grown[position] = (byte) value;
          System.arraycopy(bytes, position, grown, position + 1, bytes.length - position);
          yield grown;
        }
      };
    }
  }
}
