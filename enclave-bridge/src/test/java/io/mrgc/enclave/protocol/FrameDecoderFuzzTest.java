package io.mrgc.enclave.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.wire.crypto.AesGcm;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.envelope.EnvelopeCodec;
import io.mrgc.wire.envelope.EnvelopeCrypto;
import io.mrgc.wire.envelope.EnvelopeHeader;
import io.mrgc.wire.fuzz.CaseClock;
import io.mrgc.wire.fuzz.Mutations;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterProperty;

/**
 * jqwik fuzzing of the frame and message decoders (issue #10, "Also"; it replaced the fixed-seed DecoderFuzzTest):
 * frame streams (mutated valid frames, including DECRYPT frames carrying v=1 and v=2 envelopes, delivered in random
 * chunks) end in frames or a {@link ProtocolException},
 * never another exception, within a bounded time and a bounded allocation; any payload of any type decodes to a
 * message or a ProtocolException, and a payload that decodes re-encodes to the same bytes (the encoding is
 * canonical). Cases per property: jqwik.tries.default.
 */
class FrameDecoderFuzzTest {
  private static final int BOUND = 64 * 1024;
  private static final long ALLOCATION_LIMIT = 6L * BOUND + 256 * 1024;
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final byte[][] TOKENS = {{0, 0}, {(byte) 0xFF, (byte) 0xFF}, {0x4D, 0x52, 0x47, 0x45}, {1},
      {0x7F}, {0, 0, 0, 0}, {(byte) 0x80, 0, 0, 0}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}};
  private static final CaseClock STREAMS = new CaseClock("frame streams");
  private static final CaseClock PAYLOADS = new CaseClock("message payloads");

  @Provide
  Arbitrary<byte[]> validFrames() throws Exception {
    byte[] key = AesGcm.randomKey();
    EnvelopeCodec codec = new EnvelopeCodec();
    byte[] v2 = codec.encode(EnvelopeCrypto.sealRequest(key,
        EnvelopeHeader.v2("acme", "local:acme:1", "minilm", "/v1/embeddings", "r-1", 1_765_000_000_000L),
        new byte[] {1, 2, 3}, "{\"input\":\"x\"}".getBytes()));
    byte[] v1 = codec.encode(EnvelopeCrypto.sealRequest(key,
        EnvelopeHeader.v1("acme", "local:acme:1", "minilm", "/v1/embeddings", "r-1"), new byte[] {1}, new byte[9]));
    List<Message> ms = List.of(
        new Message.Decrypt("acme", "minilm", "/v1/embeddings", v2),
        new Message.Decrypt("acme", "minilm", "/v1/embeddings", v1),
        new Message.Decrypted("session-1", "req-1", new byte[40]),
        new Message.Encrypt("session-1", new byte[70]),
        new Message.Encrypted(new byte[33]),
        new Message.Ping(), new Message.Pong(),
        new Message.Error(EnclaveErrorCode.REPLAYED_ENVELOPE, "already received"));
    List<byte[]> frames = new ArrayList<>();
    long id = 1;
    for (Message m : ms) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      new FrameWriter(out).write(m.type(), id++, MessageCodec.encode(m));
      frames.add(out.toByteArray());
    }
    return Arbitraries.of(frames);
  }

  @Property
  void mutatedFrameStreamsYieldFramesOrProtocolErrors(@ForAll("validFrames") byte[] first,
      @ForAll("validFrames") byte[] second, @ForAll Random random) {
    byte[] input = Mutations.mutate(first, random, TOKENS);
    if (random.nextInt(4) == 0) {
      byte[] tail = Mutations.mutate(second, random, TOKENS);
      input = Mutations.insert(input, input.length, tail);
    }
    byte[] stream = input;
    STREAMS.time(() -> {
      long tid = Thread.currentThread().getId();
      long before = THREADS.getThreadAllocatedBytes(tid);
      decodeAll(stream, random);
      assertThat(THREADS.getThreadAllocatedBytes(tid) - before).as("bytes allocated for %d input bytes",
          stream.length).isLessThan(ALLOCATION_LIMIT);
    });
  }

  @Property
  void anyPayloadDecodesCanonicallyOrIsRefused(@ForAll MessageType type, @ForAll @Size(max = 300) byte[] payload) {
    PAYLOADS.time(() -> {
      Message m;
      try {
        m = MessageCodec.decode(type, payload);
      } catch (ProtocolException refused) {
        assertThat(refused.reason()).isEqualTo(ProtocolException.Reason.MALFORMED_PAYLOAD);
        return;
      }
      try {
        assertThat(MessageCodec.encode(m)).isEqualTo(payload);
      } catch (ProtocolException e) {
        throw new AssertionError("a decoded message does not encode: " + e.getMessage(), e);
      }
    });
  }

  /** Reads all frames, decoding each payload; a ProtocolException ends the stream as the server would. */
  private static void decodeAll(byte[] input, Random random) {
    FrameReader r = new FrameReader(chunked(input, random), BOUND);
    try {
      Frame f;
      while ((f = r.read()) != null) {
        MessageCodec.decode(f);
      }
    } catch (ProtocolException expected) {
      // a typed refusal
    } catch (IOException | RuntimeException e) {
      throw new AssertionError("not a protocol error: " + e, e);
    }
  }

  /** Delivers bytes in random chunks of 1..64, then end of stream. */
  private static InputStream chunked(byte[] data, Random rnd) {
    int chunk = 1 + rnd.nextInt(64);
    return new InputStream() {
      int pos;

      @Override
      public int read() {
        return pos < data.length ? data[pos++] & 0xFF : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (pos >= data.length) {
          return -1;
        }
        int n = Math.min(Math.min(len, 1 + rnd.nextInt(chunk)), data.length - pos);
        System.arraycopy(data, pos, b, off, n);
        pos += n;
        return n;
      }
    };
  }

  @AfterProperty
  void report() {
    STREAMS.report();
    PAYLOADS.report();
  }
}
