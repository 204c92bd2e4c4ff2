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
  /** The response session is unknown or expired. */
  UNKNOWN_SESSION(400),
  /** KMS could not be reached or failed; try again later. */
  KMS_UNAVAILABLE(503),
  /** The enclave cannot be reached or did not answer in time. */
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
