package io.mrgc.wire.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.mrgc.wire.crypto.AesGcm;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Random mutations of a valid envelope: only MALFORMED or AEAD_FAILURE, never another exception, never slow. */
class EnvelopeFuzzTest {
  static final byte[] KEY = AesGcm.randomKey();
  static final Set<EnclaveErrorCode> ALLOWED = EnumSet.of(EnclaveErrorCode.MALFORMED, EnclaveErrorCode.AEAD_FAILURE);
  static final String[] JUNK = {"{", "}", "[", "]", "\"", ":", ",", "\\", "\\u0000", "null", "true", "-1", "1e999",
      "0.5", "\"v\":1", "\"iv\":\"\"", "{\"a\":[", "\u00e9", "==", "\n", "99999999999999999999999999"};

  @Test
  void mutationsOnlyFailCleanly() throws Exception {
    EnvelopeCodec codec = new EnvelopeCodec(64 * 1024);
    byte[] valid = new TenantEnvelopes(codec).sealRequest(KEY, "edk".getBytes(),
        new EnvelopeHeader("acme", "local:acme:1", "minilm", "/v1/embeddings", "r-1"),
        "hello fuzz".getBytes(StandardCharsets.UTF_8)).envelope();
    Random rnd = new Random(42);
    int opened = 0;
    long start = System.nanoTime();
    for (int i = 0; i < 20_000; i++) {
      byte[] m = mutate(valid, rnd);
      long t0 = System.nanoTime();
      try {
        RequestEnvelope env = codec.parseRequest(m);
        EnvelopeCrypto.openRequest(KEY, env);
        opened++;
      } catch (EnclaveException e) {
        assertThat(e.code()).as("case %d", i).isIn(ALLOWED);
        assertThat(e.getMessage()).isNotBlank();
      } catch (Throwable t) {
        fail("case " + i + " threw " + t + " for input " + new String(m, StandardCharsets.ISO_8859_1), t);
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(ms).as("case %d took too long", i).isLessThan(500);
    }
    // mutations that keep the envelope intact (e.g. whitespace) still open; most do not
    assertThat(opened).isLessThan(20_000);
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(30_000);
  }

  @Test
  void hugeAndDeepInputsAreRefusedQuickly() {
    EnvelopeCodec codec = new EnvelopeCodec();
    byte[][] inputs = {
        new byte[3 * 1024 * 1024],
        ("{\"v\":1,\"ct\":\"" + "A".repeat(2 * 1024 * 1024 - 20) + "\"}").getBytes(StandardCharsets.UTF_8),
        ("[".repeat(1_000_000)).getBytes(StandardCharsets.UTF_8),
        ("{\"v\":" + "9".repeat(1_000_000) + "}").getBytes(StandardCharsets.UTF_8),
        ("{\"tenant\":\"" + "a".repeat(1_500_000) + "\"").getBytes(StandardCharsets.UTF_8),
        ("{" + "\"v\":1,".repeat(100_000) + "}").getBytes(StandardCharsets.UTF_8),
        ("{\"" + "k".repeat(1_000_000) + "\":1}").getBytes(StandardCharsets.UTF_8),
    };
    for (byte[] in : inputs) {
      long t0 = System.nanoTime();
      try {
        codec.parseRequest(in);
        fail("accepted a bad input of " + in.length + " bytes");
      } catch (EnclaveException e) {
        assertThat(e.code()).isEqualTo(EnclaveErrorCode.MALFORMED);
      }
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);
    }
  }

  @Test
  void largestValidEnvelopeParses() throws Exception {
    EnvelopeCodec codec = new EnvelopeCodec();
    byte[] plain = new byte[1_500_000];
    byte[] env = new TenantEnvelopes(codec).sealRequest(KEY, "edk".getBytes(),
        new EnvelopeHeader("acme", "k", "m", "/p", "r"), plain).envelope();
    assertThat(env.length).isLessThan(EnvelopeCodec.DEFAULT_MAX_ENVELOPE_BYTES);
    assertThat(EnvelopeCrypto.openRequest(KEY, codec.parseRequest(env))).hasSize(plain.length);
  }

  static byte[] mutate(byte[] valid, Random rnd) {
    byte[] b = valid.clone();
    int rounds = 1 + rnd.nextInt(3);
    for (int r = 0; r < rounds; r++) {
      switch (rnd.nextInt(8)) {
        case 0 -> { // flip a bit
          int i = rnd.nextInt(b.length);
          b[i] ^= (byte) (1 << rnd.nextInt(8));
        }
        case 1 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1)); // truncate
        case 2 -> { // random byte
          b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
        case 3 -> { // delete a range
          int i = rnd.nextInt(b.length);
          int n = Math.min(b.length - i, 1 + rnd.nextInt(20));
          byte[] c = new byte[b.length - n];
          System.arraycopy(b, 0, c, 0, i);
          System.arraycopy(b, i + n, c, i, b.length - i - n);
          b = c;
        }
        case 4 -> b = insert(b, rnd.nextInt(b.length + 1), JUNK[rnd.nextInt(JUNK.length)].getBytes(StandardCharsets.UTF_8));
        case 5 -> { // duplicate a slice (huge lengths)
          int i = rnd.nextInt(b.length);
          int n = Math.min(b.length - i, 1 + rnd.nextInt(40));
          byte[] slice = Arrays.copyOfRange(b, i, i + n);
          byte[] rep = new byte[n * (1 + rnd.nextInt(200))];
          for (int k = 0; k < rep.length; k += n) {
            System.arraycopy(slice, 0, rep, k, n);
          }
          b = insert(b, i, rep);
        }
        case 6 -> { // swap two bytes
          int i = rnd.nextInt(b.length);
          int j = rnd.nextInt(b.length);
          byte t = b[i];
          b[i] = b[j];
          b[j] = t;
        }
        default -> { // whitespace (keeps it valid)
          b = insert(b, rnd.nextInt(b.length + 1), " ".getBytes(StandardCharsets.UTF_8));
        }
      }
      if (b.length == 0) {
        return b;
      }
    }
    return b;
  }

  static byte[] insert(byte[] b, int at, byte[] what) {
    byte[] c = new byte[b.length + what.length];
    System.arraycopy(b, 0, c, 0, at);
    System.arraycopy(what, 0, c, at, what.length);
    System.arraycopy(b, at, c, at + what.length, b.length - at);
    return c;
  }
}
