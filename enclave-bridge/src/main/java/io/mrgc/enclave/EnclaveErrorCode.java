package io.mrgc.enclave;

/**
 * Why the enclave refused a request, and the HTTP status the node agent answers with. Messages never say more than
 * the code for AEAD failures: a detailed reason would help an attacker probe ciphertexts.
 */
public enum EnclaveErrorCode {
  /** The envelope or a frame is not well-formed (bad JSON, missing field, wrong size). */
  MALFORMED(400),
  /** Authenticated decryption failed: tampered ciphertext, wrong IV, or a changed bound field (model, path...). */
  AEAD_FAILURE(400),
  /** The envelope's tenant is not the authenticated caller, or the model/path differs from the request's. */
  TENANT_MISMATCH(403),
  /** KMS refused the data key (unknown key, another tenant's key, policy or attestation mismatch). */
  KEY_REFUSED(403),
  /**
   * The envelope's timestamp is outside the enclave's freshness window (too old, or further in the future than the
   * allowed clock skew): seal a new envelope, and check the sender's clock.
   */
  ENVELOPE_EXPIRED(400),
  /** This enclave already opened this envelope (same EDK and IV) within the freshness window: a replay. */
  REPLAYED_ENVELOPE(409),
  /**
   * The enclave cannot tell whether this envelope was served before, so it refuses it rather than risk serving it
   * twice: its replay cache is full of envelopes still inside the freshness window (it never forgets one early), or
   * the envelope was sealed before this enclave started (a restarted enclave does not know what its predecessor
   * served). Retryable: seal the request anew.
   */
  REPLAY_UNVERIFIABLE(503),
  /** The response session is unknown or expired. */
  UNKNOWN_SESSION(400),
  /** KMS could not be reached or failed; try again later. */
  KMS_UNAVAILABLE(503),
  /**
   * The enclave cannot be reached, did not answer in time, or restarted between opening a request and sealing its
   * answer (the session died with it); retry the request.
   */
  ENCLAVE_UNAVAILABLE(503),
  /** A bug or resource limit inside the enclave. */
  INTERNAL(500);

  private final int httpStatus;

  EnclaveErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  public int httpStatus() {
    return httpStatus;
  }
}
