package io.mrgc.enclave.attestation;

/** An attestation document that is malformed or does not verify. The message says why; no secrets inside. */
public class AttestationException extends Exception {
  public AttestationException(String message) {
    super(message, null, false, false);
  }

  public AttestationException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
