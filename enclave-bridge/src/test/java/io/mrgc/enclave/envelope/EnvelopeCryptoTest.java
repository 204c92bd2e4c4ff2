package io.mrgc.enclave.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.enclave.EnclaveErrorCode;
import io.mrgc.enclave.EnclaveException;
import io.mrgc.enclave.crypto.AesGcm;
import io.mrgc.enclave.crypto.Bytes;
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
    byte[] a = EnvelopeCrypto.aad(Direction.REQUEST, new EnvelopeHeader("ab", "c", "m", "/p", "r"), hash);
    byte[] b = EnvelopeCrypto.aad(Direction.REQUEST, new EnvelopeHeader("a", "bc", "m", "/p", "r"), hash);
    assertThat(a).isNotEqualTo(b);
    // 4-byte length then "mrgc-envelope/1"
    assertThat(a[3]).isEqualTo((byte) 15);
    assertThat(new String(a, 4, 15, StandardCharsets.UTF_8)).isEqualTo("mrgc-envelope/1");
    assertThat(new String(a, 23, 7, StandardCharsets.UTF_8)).isEqualTo("request");
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
        Arguments.of("tenant", with(h -> new EnvelopeHeader("globex", h.kid(), h.model(), h.path(), h.rid()))),
        Arguments.of("kid", with(h -> new EnvelopeHeader(h.tenant(), "local:acme:2", h.model(), h.path(), h.rid()))),
        Arguments.of("model", with(h -> new EnvelopeHeader(h.tenant(), h.kid(), "bigger", h.path(), h.rid()))),
        Arguments.of("path", with(h -> new EnvelopeHeader(h.tenant(), h.kid(), h.model(), "/v2/infer", h.rid()))),
        Arguments.of("rid", with(h -> new EnvelopeHeader(h.tenant(), h.kid(), h.model(), h.path(), "r-2"))),
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
    ResponseEnvelope moved = new ResponseEnvelope(
        new EnvelopeHeader("acme", "local:acme:1", "minilm", "/v1/embeddings", "r-9"), resp1.iv(), resp1.ct());
    ResponseBinding b9 = ResponseBinding.of(moved.header(), EDK);
    assertThatThrownBy(() -> EnvelopeCrypto.openResponse(KEY, b9, moved))
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.AEAD_FAILURE));
    // a request is never accepted as a response (direction is in the AAD)
    ResponseEnvelope asResponse = new ResponseEnvelope(req1.header(), req1.iv(), req1.ct());
    assertThatThrownBy(() -> EnvelopeCrypto.openResponse(KEY, ResponseBinding.of(req1), asResponse))
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
