package io.mrgc.wire.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.wire.crypto.AesGcm;
import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EnvelopeCryptoTest {
  static final byte[] KEY = AesGcm.randomKey();
  static final byte[] EDK = "edk-bytes".getBytes(StandardCharsets.UTF_8);
  static final EnvelopeHeader H = new EnvelopeHeader("acme", "local:acme:1", "minilm", "/v1/embeddings", "r-1");
  static final byte[] PLAIN = "the secret prompt".getBytes(StandardCharsets.UTF_8);

  @Test
  void requestAndResponseRoundTrip() throws Exception {
    TenantEnvelopes tenant = new TenantEnvelopes();
    TenantEnvelopes.SealedRequest sealed = tenant.sealRequest(KEY, EDK, H, PLAIN);
    EnvelopeCodec codec = new EnvelopeCodec();
    RequestEnvelope env = codec.parseRequest(sealed.envelope());
    assertThat(EnvelopeCrypto.openRequest(KEY, env)).isEqualTo(PLAIN);
    assertThat(new String(sealed.envelope(), StandardCharsets.UTF_8)).doesNotContain("secret");

    ResponseEnvelope resp = EnvelopeCrypto.sealResponse(KEY, ResponseBinding.of(env), "answer".getBytes());
    assertThat(resp.iv()).isNotEqualTo(env.iv());
    byte[] wire = codec.encode(resp);
    assertThat(tenant.openResponse(KEY, sealed.binding(), wire)).isEqualTo("answer".getBytes());
  }

  @Test
  void aadIsLengthPrefixedAndUnambiguous() {
    byte[] hash = Bytes.sha256(EDK);
    byte[] a = EnvelopeCrypto.aad(Direction.REQUEST, new EnvelopeHeader("ab", "c", "m", "/p", "r"), hash, null);
    byte[] b = EnvelopeCrypto.aad(Direction.REQUEST, new EnvelopeHeader("a", "bc", "m", "/p", "r"), hash, null);
    assertThat(a).isNotEqualTo(b);
    // 4-byte length then "mrgc-envelope/2"
    assertThat(a[3]).isEqualTo((byte) 15);
    assertThat(new String(a, 4, 15, StandardCharsets.UTF_8)).isEqualTo("mrgc-envelope/2");
    assertThat(new String(a, 23, 7, StandardCharsets.UTF_8)).isEqualTo("request");
  }

  /** The v=2 AAD layout of docs/protocol.md: ..., rid, ts (8 bytes), SHA-256(EDK), and for a response the digest. */
  @Test
  void v2AadCarriesTheTimestampAndAResponseCarriesTheRequestDigest() {
    byte[] hash = Bytes.sha256(EDK);
    byte[] digest = Bytes.sha256("iv||ct".getBytes(StandardCharsets.UTF_8));
    EnvelopeHeader h = EnvelopeHeader.v2("a", "k", "m", "/p", "r", 0x0102030405060708L);
    byte[] request = EnvelopeCrypto.aad(Direction.REQUEST, h, hash, null);
    int tsAt = 4 + 15 + 4 + 7 + 4 * 5 + 6; // tag, direction, then tenant, kid, model, path, rid (6 characters)
    assertThat(java.util.Arrays.copyOfRange(request, tsAt, tsAt + 12))
        .containsExactly(0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(request).hasSize(tsAt + 12 + 4 + 32);
    byte[] response = EnvelopeCrypto.aad(Direction.RESPONSE, h, hash, digest);
    assertThat(java.util.Arrays.copyOfRange(response, response.length - 32, response.length)).isEqualTo(digest);
    assertThatThrownBy(() -> EnvelopeCrypto.aad(Direction.RESPONSE, h, hash, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static Stream<Arguments> tamperings() {
    return Stream.of(
        Arguments.of("ciphertext bit", (UnaryOperator<RequestEnvelope>) e -> {
          byte[] ct = e.ct().clone();
          ct[0] ^= 1;
          return new RequestEnvelope(e.header(), e.edk(), e.iv(), ct);
        }),
        Arguments.of("tag bit", (UnaryOperator<RequestEnvelope>) e -> {
          byte[] ct = e.ct().clone();
          ct[ct.length - 1] ^= 1;
          return new RequestEnvelope(e.header(), e.edk(), e.iv(), ct);
        }),
        Arguments.of("iv", (UnaryOperator<RequestEnvelope>) e -> {
          byte[] iv = e.iv().clone();
          iv[5] ^= 1;
          return new RequestEnvelope(e.header(), e.edk(), iv, e.ct());
        }),
        Arguments.of("edk", (UnaryOperator<RequestEnvelope>) e ->
            new RequestEnvelope(e.header(), "other-edk".getBytes(), e.iv(), e.ct())),
        Arguments.of("tenant", with(h -> EnvelopeHeader.v2("globex", h.kid(), h.model(), h.path(), h.rid(), h.ts()))),
        Arguments.of("kid", with(h -> EnvelopeHeader.v2(h.tenant(), "local:acme:2", h.model(), h.path(), h.rid(), h.ts()))),
        Arguments.of("model", with(h -> EnvelopeHeader.v2(h.tenant(), h.kid(), "bigger", h.path(), h.rid(), h.ts()))),
        Arguments.of("path", with(h -> EnvelopeHeader.v2(h.tenant(), h.kid(), h.model(), "/v2/infer", h.rid(), h.ts()))),
        Arguments.of("rid", with(h -> EnvelopeHeader.v2(h.tenant(), h.kid(), h.model(), h.path(), "r-2", h.ts()))),
        Arguments.of("ts", with(h -> EnvelopeHeader.v2(h.tenant(), h.kid(), h.model(), h.path(), h.rid(),
            h.ts() - 1))),
        Arguments.of("truncated ct", (UnaryOperator<RequestEnvelope>) e ->
            new RequestEnvelope(e.header(), e.edk(), e.iv(), java.util.Arrays.copyOf(e.ct(), e.ct().length - 1))));
  }

  static UnaryOperator<RequestEnvelope> with(UnaryOperator<EnvelopeHeader> f) {
    return e -> new RequestEnvelope(f.apply(e.header()), e.edk(), e.iv(), e.ct());
  }

  @ParameterizedTest(name = "tampered {0}")
  @MethodSource("tamperings")
  void tamperingIsAnAeadFailureWithoutDetail(String what, UnaryOperator<RequestEnvelope> tamper) throws Exception {
    RequestEnvelope env = EnvelopeCrypto.sealRequest(KEY, H, EDK, PLAIN);
    assertThatThrownBy(() -> EnvelopeCrypto.openRequest(KEY, tamper.apply(env)))
        .isInstanceOf(EnclaveException.class)
        .hasMessage("authenticated decryption failed")
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.AEAD_FAILURE));
  }

  @Test
  void responseIsBoundToItsRequest() throws Exception {
    RequestEnvelope req1 = EnvelopeCrypto.sealRequest(KEY, H, EDK, PLAIN);
    RequestEnvelope req2 = EnvelopeCrypto.sealRequest(KEY, H, "edk-2".getBytes(), PLAIN);
    ResponseEnvelope resp1 = EnvelopeCrypto.sealResponse(KEY, ResponseBinding.of(req1), "a".getBytes());
    // the same header but another EDK: the response does not open
    assertThatThrownBy(() -> EnvelopeCrypto.openResponse(KEY, ResponseBinding.of(req2), resp1))
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.AEAD_FAILURE));
    // a response with a rewritten header (another rid) does not open either
    ResponseEnvelope moved = new ResponseEnvelope(req1.header().withRid("r-9"), resp1.iv(), resp1.ct());
    ResponseBinding b9 = new ResponseBinding(moved.header(), Bytes.sha256(EDK), req1.requestDigest());
    assertThatThrownBy(() -> EnvelopeCrypto.openResponse(KEY, b9, moved))
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.AEAD_FAILURE));
    // a request is never accepted as a response (direction is in the AAD)
    ResponseEnvelope asResponse = new ResponseEnvelope(req1.header(), req1.iv(), req1.ct());
    assertThatThrownBy(() -> EnvelopeCrypto.openResponse(KEY, ResponseBinding.of(req1), asResponse))
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.AEAD_FAILURE));
  }

  /**
   * What the v=2 request digest in the response AAD adds: two requests under the same data key, EDK and header
   * (same rid and ts: a tenant reusing them, or an attacker's copy) differ only in IV and ciphertext; the answer to
   * one does not open as the answer to the other. Without the digest in the AAD both bindings were equal.
   */
  @Test
  void aV2ResponseOpensOnlyAgainstTheRequestItAnswers() throws Exception {
    RequestEnvelope req1 = EnvelopeCrypto.sealRequest(KEY, H, EDK, PLAIN);
    RequestEnvelope req2 = EnvelopeCrypto.sealRequest(KEY, H, EDK, "other question".getBytes());
    ResponseEnvelope answer1 = EnvelopeCrypto.sealResponse(KEY, ResponseBinding.of(req1), "answer 1".getBytes());
    assertThat(EnvelopeCrypto.openResponse(KEY, ResponseBinding.of(req1), answer1)).isEqualTo("answer 1".getBytes());
    assertThatThrownBy(() -> EnvelopeCrypto.openResponse(KEY, ResponseBinding.of(req2), answer1))
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.AEAD_FAILURE));
  }

  /** v=1 and v=2 use different format tags, so a v=1 ciphertext never opens as v=2 (or the reverse). */
  @Test
  void versionsDoNotOpenAsEachOther() throws Exception {
    EnvelopeHeader v1 = EnvelopeHeader.v1("acme", "local:acme:1", "minilm", "/v1/embeddings", "r-1");
    RequestEnvelope sealedV1 = EnvelopeCrypto.sealRequest(KEY, v1, EDK, PLAIN);
    assertThat(EnvelopeCrypto.openRequest(KEY, sealedV1)).isEqualTo(PLAIN);
    RequestEnvelope relabelled = new RequestEnvelope(
        EnvelopeHeader.v2("acme", "local:acme:1", "minilm", "/v1/embeddings", "r-1", 0), EDK, sealedV1.iv(),
        sealedV1.ct());
    assertThatThrownBy(() -> EnvelopeCrypto.openRequest(KEY, relabelled))
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.AEAD_FAILURE));
  }

  @Test
  void wrongKeyFails() throws Exception {
    RequestEnvelope env = EnvelopeCrypto.sealRequest(KEY, H, EDK, PLAIN);
    assertThatThrownBy(() -> EnvelopeCrypto.openRequest(AesGcm.randomKey(), env))
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.AEAD_FAILURE));
  }

  @Test
  void sealingRefusesBadHeaders() {
    assertThatThrownBy(() -> EnvelopeCrypto.sealRequest(KEY, new EnvelopeHeader("a b", "k", "m", "/p", "r"), EDK,
        PLAIN)).hasMessageContaining("\"tenant\" must be");
    assertThatThrownBy(() -> EnvelopeCrypto.sealRequest(KEY, H, new byte[0], PLAIN)).hasMessageContaining("edk");
  }
}
