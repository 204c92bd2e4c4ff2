package io.mrgc.wire.enclave;

/** A refusal from the enclave (or from reaching it), with a code that maps to an HTTP status. No secrets inside. */
public class EnclaveException extends Exception {
  private final EnclaveErrorCode code;

  public EnclaveException(EnclaveErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public EnclaveException(EnclaveErrorCode code, String message, Throwable cause) {
    super(message, cause, false, false);
    this.code = code;
  }

  public EnclaveErrorCode code() {
    return code;
  }
}
