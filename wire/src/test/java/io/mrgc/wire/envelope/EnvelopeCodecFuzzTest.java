package io.mrgc.wire.envelope;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.wire.crypto.AesGcm;
import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.fuzz.CaseClock;
import io.mrgc.wire.fuzz.Mutations;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;

/**
 * Fuzzing of the envelope parser (issue #10, "Also"): request and response envelopes, v=1 and v=2. Every input ends
 * in a parsed envelope or a MALFORMED refusal with a message (never another exception) within a bounded time; a
 * parsed envelope re-encodes to an envelope that parses to the same thing, and opens or fails with AEAD_FAILURE
 * only. Cases per property: jqwik.tries.default (1000 in `mvn test`, see junit-platform.properties).
 */
class EnvelopeCodecFuzzTest {
  private static final byte[] KEY = AesGcm.randomKey();
  private static final EnvelopeCodec CODEC = new EnvelopeCodec(64 * 1024);
  private static final byte[][] JSON_TOKENS = Mutations.utf8("{", "}", "[", "]", "\"", ":", ",", "\\", "\\u0000",
      "null", "true", "-1", "1e999", "0.5", "\"v\":1", "\"v\":2", "\"ts\":0", "\"ts\":-1", "\"ts\":1.0",
      "\"ts\":99999999999999999999", "\"edk\":\"\"", "\"iv\":\"\"", "{\"a\":[", "\u00e9", "==", "\n",
      "\"tenant\":\"acme\"", "\ud83d\ude00", "\"\u0000\"");
  private static final CaseClock MUTATED = new CaseClock("envelope mutated");
  private static final CaseClock RANDOM = new CaseClock("envelope random");
  private static final CaseClock ROUND_TRIP = new CaseClock("envelope round trip");

  @Provide
  Arbitrary<byte[]> validEnvelopes() throws EnclaveException {
    List<byte[]> seeds = new java.util.ArrayList<>();
    for (EnvelopeHeader h : List.of(
        EnvelopeHeader.v2("acme", "local:acme:1", "minilm", "/v1/embeddings", "r-1", 1_765_000_000_000L),
        EnvelopeHeader.v1("acme", "arn:aws:kms:us-east-1:111122223333:key/1", "m", "/v2/models/m/infer", "r.2"))) {
      RequestEnvelope req = EnvelopeCrypto.sealRequest(KEY, h, "edk-bytes".getBytes(StandardCharsets.UTF_8),
          "{\"input\":\"fuzz\"}".getBytes(StandardCharsets.UTF_8));
      seeds.add(CODEC.encode(req));
      seeds.add(CODEC.encode(EnvelopeCrypto.sealResponse(KEY, ResponseBinding.of(req), "{}".getBytes())));
    }
    return Arbitraries.of(seeds);
  }

  /** Mutated valid envelopes, parsed as requests and as responses. */
  @Property
  void mutatedEnvelopesParseOrAreRefused(@ForAll("validEnvelopes") byte[] seed, @ForAll Random random) {
    byte[] input = Mutations.mutate(seed, random, JSON_TOKENS);
    MUTATED.time(() -> parseBothWays(input));
  }

  /** Random bytes and random JSON-token soups. */
  @Property
  void randomInputsAreRefusedCleanly(@ForAll("garbage") byte[] input) {
    RANDOM.time(() -> parseBothWays(input));
  }

  @Provide
  Arbitrary<byte[]> garbage() {
    Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(600);
    Arbitrary<byte[]> soup = Arbitraries.of(JSON_TOKENS).list().ofMaxSize(60).map(tokens -> {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      tokens.forEach(t -> out.write(t, 0, t.length));
      return out.toByteArray();
    });
    return Arbitraries.oneOf(bytes, soup);
  }

  /** Any valid header, EDK, IV and ciphertext, v=1 or v=2, request or response: encode then parse is identity. */
  @Property
  void validEnvelopesRoundTrip(@ForAll("headers") EnvelopeHeader header, @ForAll("blobs") byte[] edk,
      @ForAll("blobs") byte[] ct) {
    ROUND_TRIP.time(() -> {
      byte[] iv = Bytes.sha256(ct).clone();
      iv = java.util.Arrays.copyOf(iv, AesGcm.IV_BYTES);
      byte[] fullCt = java.util.Arrays.copyOf(ct, ct.length + AesGcm.TAG_BYTES);
      try {
        RequestEnvelope req = new RequestEnvelope(header, edk, iv, fullCt);
        RequestEnvelope back = CODEC.parseRequest(CODEC.encode(req));
        assertThat(back.header()).isEqualTo(header);
        assertThat(back.edk()).isEqualTo(edk);
        assertThat(back.iv()).isEqualTo(iv);
        assertThat(back.ct()).isEqualTo(fullCt);
        ResponseEnvelope resp = new ResponseEnvelope(header, iv, fullCt);
        assertThat(CODEC.parseResponse(CODEC.encode(resp)).header()).isEqualTo(header);
      } catch (EnclaveException e) {
        throw new AssertionError("a valid envelope was refused: " + e.getMessage(), e);
      }
    });
  }

  @Provide
  Arbitrary<EnvelopeHeader> headers() {
    Arbitrary<String> tenant = Arbitraries.strings().withChars("AZaz09._-").ofMinLength(0).ofMaxLength(63)
        .map(s -> "t" + s);
    Arbitrary<String> kid = Arbitraries.strings().withChars("Az09:/_.+=@-").ofMinLength(1).ofMaxLength(256);
    Arbitrary<String> model = Arbitraries.strings().withChars("az09._:/-").ofMaxLength(127).map(s -> "m" + s);
    // Canonical paths only (what the enclave accepts): segments of A-Z a-z 0-9 . _ ~ -, none empty, "." or "..".
    Arbitrary<String> segment = Arbitraries.strings().withChars("aAzZ09._~-").ofMinLength(1).ofMaxLength(12)
        .filter(s -> !s.equals(".") && !s.equals(".."));
    Arbitrary<String> path = segment.list().ofMaxSize(12)
        .map(segments -> "/" + String.join("/", segments))
        .filter(p -> p.length() <= 256);
    Arbitrary<String> rid = Arbitraries.strings().withChars("AZ09._:-").ofMinLength(1).ofMaxLength(64);
    Arbitrary<Long> ts = Arbitraries.longs().between(-1, EnvelopeCodec.MAX_TS);
    return Combinators.combine(tenant, kid, model, path, rid, ts).as((t, k, m, p, r, when) -> when < 0
        ? EnvelopeHeader.v1(t, k, m, p, r) : EnvelopeHeader.v2(t, k, m, p, r, when));
  }

  @Provide
  Arbitrary<byte[]> blobs() {
    return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(300);
  }

  private static void parseBothWays(byte[] input) {
    try {
      RequestEnvelope req = CODEC.parseRequest(input);
      assertThat(CODEC.parseRequest(CODEC.encode(req)).header()).isEqualTo(req.header());
      try {
        EnvelopeCrypto.openRequest(KEY, req);
      } catch (EnclaveException e) {
        assertThat(e.code()).isEqualTo(EnclaveErrorCode.AEAD_FAILURE);
      }
    } catch (EnclaveException e) {
      assertRefused(e);
    }
    try {
      ResponseEnvelope resp = CODEC.parseResponse(input);
      assertThat(CODEC.parseResponse(CODEC.encode(resp)).header()).isEqualTo(resp.header());
    } catch (EnclaveException e) {
      assertRefused(e);
    }
  }

  private static void assertRefused(EnclaveException e) {
    assertThat(e.code()).isEqualTo(EnclaveErrorCode.MALFORMED);
    assertThat(e.getMessage()).isNotBlank();
  }

  @AfterProperty
  void report() {
    MUTATED.report();
    RANDOM.report();
    ROUND_TRIP.report();
  }
}
