package io.mrgc.enclave.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.mrgc.enclave.EnclaveErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property test of the frame and message decoders: random and mutated inputs (bit flips, byte overwrites,
 * truncations, insertions, oversize and random length fields), delivered in random small chunks. Every case must end
 * with frames or a {@link ProtocolException} (never another exception), allocate a bounded amount of memory, and
 * finish within a deadline.
 */
class DecoderFuzzTest {
  private static final int BOUND = 64 * 1024;
  private static final long ALLOCATION_LIMIT = 6L * BOUND + 256 * 1024;
  private static final Duration DEADLINE = Duration.ofSeconds(2);
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private static List<byte[]> seeds() throws IOException {
    List<Message> ms = List.of(
        new Message.Decrypt("tenant-a", "model-x", "/v1/completions", new byte[300]),
        new Message.Decrypted("session-1", "req-1", new byte[40]),
        new Message.Encrypt("session-1", new byte[70]),
        new Message.Encrypted(new byte[33]),
        new Message.Ping(), new Message.Pong(),
        new Message.Error(EnclaveErrorCode.KEY_REFUSED, "no"));
    List<byte[]> seeds = new ArrayList<>();
    long id = 1;
    for (Message m : ms) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      new FrameWriter(out).write(m.type(), id++, MessageCodec.encode(m));
      seeds.add(out.toByteArray());
    }
    return seeds;
  }

  private static byte[] mutate(byte[] seed, Random rnd) {
    byte[] b = seed.clone();
    switch (rnd.nextInt(7)) {
      case 0 -> { // bit flips
        for (int i = 0, n = 1 + rnd.nextInt(4); i < n; i++) {
          int p = rnd.nextInt(b.length);
          b[p] ^= (byte) (1 << rnd.nextInt(8));
        }
      }
      case 1 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256); // overwrite
      case 2 -> b = Arrays.copyOf(b, rnd.nextInt(b.length)); // truncate
      case 3 -> { // insert random bytes
        int p = rnd.nextInt(b.length + 1);
        byte[] ins = new byte[1 + rnd.nextInt(8)];
        rnd.nextBytes(ins);
        byte[] c = new byte[b.length + ins.length];
        System.arraycopy(b, 0, c, 0, p);
        System.arraycopy(ins, 0, c, p, ins.length);
        System.arraycopy(b, p, c, p + ins.length, b.length - p);
        b = c;
      }
      case 4 -> FrameFormat.putInt(b, 16, rnd.nextBoolean() ? -1 - rnd.nextInt(16) : BOUND + 1 + rnd.nextInt(1 << 20));
      case 5 -> FrameFormat.putInt(b, 16, rnd.nextInt(BOUND + 1)); // plausible length, wrong size
      default -> { // mutate a field length inside the payload
        if (b.length > FrameFormat.HEADER_BYTES + 2) {
          int p = FrameFormat.HEADER_BYTES + rnd.nextInt(b.length - FrameFormat.HEADER_BYTES - 1);
          b[p] = (byte) 0xFF;
          b[p + 1] = (byte) rnd.nextInt(256);
        }
      }
    }
    return b;
  }

  /** Delivers bytes in random chunks of 1..chunk, then end of stream. */
  private static InputStream chunked(byte[] data, Random rnd, int chunk) {
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

  /** Reads all frames and decodes their payloads; returns the number of messages or -1 on a protocol error. */
  private static int decodeAll(byte[] input, long seed) {
    Random rnd = new Random(seed);
    FrameReader r = new FrameReader(chunked(input, rnd, 1 + rnd.nextInt(64)), BOUND);
    int n = 0;
    try {
      Frame f;
      while ((f = r.read()) != null) {
        MessageCodec.decode(f);
        n++;
      }
      return n;
    } catch (ProtocolException expected) {
      return -1;
    } catch (Throwable t) {
      throw new AssertionError("case " + seed + ": non-protocol failure " + t, t);
    }
  }

  private static void runCase(byte[] input, long seed) {
    assertTimeoutPreemptively(DEADLINE, () -> {
      long tid = Thread.currentThread().getId();
      long before = THREADS.getThreadAllocatedBytes(tid);
      decodeAll(input, seed);
      long used = THREADS.getThreadAllocatedBytes(tid) - before;
      assertThat(used).as("bytes allocated by case %d (input %d bytes)", seed, input.length)
          .isLessThan(ALLOCATION_LIMIT);
    }, () -> "case " + seed + " did not finish within " + DEADLINE);
  }

  @Test
  void mutatedFramesYieldOnlyProtocolErrors() throws IOException {
    List<byte[]> seeds = seeds();
    Random rnd = new Random(20261122L);
    for (int i = 0; i < 2500; i++) {
      byte[] input = mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
      if (rnd.nextInt(4) == 0) { // a second mutated frame behind the first
        byte[] second = mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
        byte[] c = Arrays.copyOf(input, input.length + second.length);
        System.arraycopy(second, 0, c, input.length, second.length);
        input = c;
      }
      runCase(input, i);
    }
  }

  @Test
  void randomBytesYieldOnlyProtocolErrors() {
    Random rnd = new Random(7L);
    for (int i = 0; i < 1000; i++) {
      byte[] input = new byte[rnd.nextInt(200)];
      rnd.nextBytes(input);
      if (input.length >= 8 && rnd.nextBoolean()) { // valid magic+version so the rest of the header is exercised
        FrameFormat.putInt(input, 0, FrameFormat.MAGIC);
        input[4] = (byte) FrameFormat.VERSION;
        if (input.length >= 8 && rnd.nextBoolean()) {
          input[5] = (byte) MessageType.values()[rnd.nextInt(MessageType.values().length)].code();
          input[6] = 0;
          input[7] = 0;
        }
      }
      runCase(input, 100_000 + i);
    }
  }

  @Test
  void randomPayloadsOfEveryTypeYieldOnlyProtocolErrors() {
    Random rnd = new Random(11L);
    MessageType[] types = MessageType.values();
    for (int i = 0; i < 2000; i++) {
      MessageType t = types[i % types.length];
      byte[] p = new byte[rnd.nextInt(64)];
      rnd.nextBytes(p);
      if (p.length >= 2 && rnd.nextBoolean()) { // small, plausible first field length
        p[0] = 0;
        p[1] = (byte) rnd.nextInt(Math.max(1, p.length));
      }
      long seed = 200_000 + i;
      assertTimeoutPreemptively(DEADLINE, () -> {
        try {
          MessageCodec.decode(t, p);
        } catch (ProtocolException expected) {
          // fine
        } catch (Throwable other) {
          throw new AssertionError("case " + seed + ": " + other, other);
        }
      });
    }
  }

  @Test
  void announcedMaximumWithFewBytesAllocatesLittle() {
    // default 4 MiB bound; the peer announces 4 MiB and sends 10 bytes: the reader must not allocate 4 MiB
    byte[] header = FrameFormat.header(MessageType.ENCRYPTED, 1, FrameFormat.DEFAULT_MAX_PAYLOAD_BYTES);
    byte[] input = Arrays.copyOf(header, header.length + 10);
    assertTimeoutPreemptively(DEADLINE, () -> {
      long tid = Thread.currentThread().getId();
      long before = THREADS.getThreadAllocatedBytes(tid);
      try {
        new FrameReader(new java.io.ByteArrayInputStream(input)).read();
        throw new AssertionError("expected TRUNCATED");
      } catch (ProtocolException e) {
        assertThat(e.reason()).isEqualTo(ProtocolException.Reason.TRUNCATED);
      }
      assertThat(THREADS.getThreadAllocatedBytes(tid) - before).isLessThan(512 * 1024);
    });
  }
}
