package io.mrgc.wire.enclave;

import io.mrgc.wire.ErrorCode;

/**
 * Why the enclave refused a request, and the HTTP status the node agent answers with. Messages never say more than
 * the code for AEAD failures: a detailed reason would help an attacker probe ciphertexts. The names are the enclave
 * protocol's ERROR codes (MessageCodec sends {@link #name()}): never rename one.
 */
public enum EnclaveErrorCode {
  /** The envelope or a frame is not well-formed (bad JSON, missing field, wrong size). */
  MALFORMED(ErrorCode.ENVELOPE_MALFORMED),
  /** Authenticated decryption failed: tampered ciphertext, wrong IV, or a changed bound field (model, path...). */
  AEAD_FAILURE(ErrorCode.ENVELOPE_AUTH_FAILED),
  /** The envelope's tenant is not the authenticated caller, or the model/path differs from the request's. */
  TENANT_MISMATCH(ErrorCode.TENANT_MISMATCH),
  /** KMS refused the data key (unknown key, another tenant's key, policy or attestation mismatch). */
  KEY_REFUSED(ErrorCode.KEY_REFUSED),
  /**
   * The envelope's timestamp is outside the enclave's freshness window (too old, or further in the future than the
   * allowed clock skew): seal a new envelope, and check the sender's clock.
   */
  ENVELOPE_EXPIRED(ErrorCode.ENVELOPE_EXPIRED),
  /** This enclave already opened this envelope (same EDK and IV) within the freshness window: a replay. */
  REPLAYED_ENVELOPE(ErrorCode.REPLAYED_ENVELOPE),
  /**
   * The enclave cannot tell whether this envelope was served before, so it refuses it rather than risk serving it
   * twice: its replay cache is full of envelopes still inside the freshness window (it never forgets one early), or
   * the envelope was sealed before this enclave started (a restarted enclave does not know what its predecessor
   * served). Retryable: seal the request anew.
   */
  REPLAY_UNVERIFIABLE(ErrorCode.REPLAY_UNVERIFIABLE),
  /** The response session is unknown or expired. */
  UNKNOWN_SESSION(ErrorCode.UNKNOWN_SESSION),
  /** KMS could not be reached or failed; try again later. */
  KMS_UNAVAILABLE(ErrorCode.KMS_UNAVAILABLE),
  /**
   * The enclave cannot be reached, did not answer in time, or restarted between opening a request and sealing its
   * answer (the session died with it); retry the request.
   */
  ENCLAVE_UNAVAILABLE(ErrorCode.ENCLAVE_UNAVAILABLE),
  /** A bug or resource limit inside the enclave. */
  INTERNAL(ErrorCode.ENCLAVE_INTERNAL);

  private final ErrorCode errorCode;

  EnclaveErrorCode(ErrorCode errorCode) {
    this.errorCode = errorCode;
  }

  /** What the node agent answers for this refusal. */
  public ErrorCode errorCode() {
    return errorCode;
  }

  public int httpStatus() {
    return errorCode.status();
  }
}
