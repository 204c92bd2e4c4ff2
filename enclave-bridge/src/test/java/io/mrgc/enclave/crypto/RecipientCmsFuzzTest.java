package io.mrgc.enclave.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.fuzz.CaseClock;
import io.mrgc.wire.fuzz.Mutations;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterProperty;

/**
 * Fuzzing of RecipientCms.open (issue #10, "Also"; finding 7): mutated KMS answers (DER bit flips, truncations, length
 * fields, duplicated ranges, DER tags) and random bytes end in a 32-byte key or an EnclaveException (INTERNAL),
 * never another exception, within a bounded time. Cases per property: jqwik.tries.default.
 */
class RecipientCmsFuzzTest {
  private static final KeyPair RSA = rsa();
  private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes();
  private static final byte[] CMS = RecipientCms.envelope(RSA.getPublic(), KEY);
  private static final byte[][] DER_TOKENS = {{0x30, (byte) 0x80}, {0x00, 0x00}, {0x06, 0x09}, {0x04, (byte) 0x82},
      {(byte) 0x84, 0x7F, -1, -1, -1}, {0x31, 0x00}, {0x05, 0x00}, {(byte) 0xA0, (byte) 0x80}, {0x02, 0x01, 0x00}};
  private static final CaseClock MUTATED = new CaseClock("cms mutated");
  private static final CaseClock RANDOM = new CaseClock("cms random");

  private static KeyPair rsa() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Property
  void mutatedAnswersOpenToTheKeyOrAreRefused(@ForAll Random random) {
    byte[] input = Mutations.mutate(CMS, random, DER_TOKENS);
    MUTATED.time(() -> openOrRefuse(input));
  }

  @Property
  void randomBytesAreRefused(@ForAll("derish") byte[] input) {
    RANDOM.time(() -> openOrRefuse(input));
  }

  @Provide
  Arbitrary<byte[]> derish() {
    Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(800);
    Arbitrary<byte[]> sequenceLike = raw.map(b -> {
      byte[] c = Mutations.insert(b, 0, new byte[] {0x30, (byte) 0x82, (byte) (b.length >> 8), (byte) b.length});
      return c;
    });
    return Arbitraries.oneOf(raw, sequenceLike);
  }

  private static void openOrRefuse(byte[] input) {
    try {
      // CMS content is AES-CBC, not authenticated: a flipped IV bit yields another 32-byte key, which then fails
      // the envelope's GCM tag (AEAD_FAILURE) in the enclave; what must never happen is another exception
      assertThat(RecipientCms.open(RSA.getPrivate(), input, 32)).hasSize(32);
    } catch (EnclaveException e) {
      assertThat(e.code()).isEqualTo(EnclaveErrorCode.INTERNAL);
      assertThat(e.getMessage()).startsWith("KMS answer unusable");
    }
  }

  @AfterProperty
  void report() {
    MUTATED.report();
    RANDOM.report();
  }
}
