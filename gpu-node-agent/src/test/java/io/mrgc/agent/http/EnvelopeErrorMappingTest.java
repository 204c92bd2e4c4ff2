package io.mrgc.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.common.ApiException;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The enclave's refusals as the agent answers them (docs/protocol.md section 5), including issue #10's: a stale
 * envelope is 400 envelope_expired, a replay 409 replayed_envelope, an unverifiable one and a session lost to an
 * enclave restart a retryable 503 with Retry-After (never a 400 the SDK would not retry).
 */
class EnvelopeErrorMappingTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "ENVELOPE_EXPIRED, 400, envelope_expired, false",
      "REPLAYED_ENVELOPE, 409, replayed_envelope, false",
      "REPLAY_UNVERIFIABLE, 503, replay_unverifiable, true",
      "ENCLAVE_UNAVAILABLE, 503, enclave_unavailable, true",
      "KMS_UNAVAILABLE, 503, kms_unavailable, true",
      "UNKNOWN_SESSION, 400, unknown_session, false",
      "MALFORMED, 400, envelope_malformed, false",
      "AEAD_FAILURE, 400, envelope_auth_failed, false"})
  void refusalsMapToStatusCodeAndRetryAfter(EnclaveErrorCode code, int status, String errorCode, boolean retry) {
    ApiException api = Envelopes.toApi(new EnclaveException(code, "what to fix"));
    assertThat(api.status()).isEqualTo(status);
    assertThat(api.code()).isEqualTo(errorCode);
    assertThat(api.retryAfterSeconds() != null).isEqualTo(retry);
  }
}
