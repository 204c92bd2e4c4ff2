package io.mrgc.wire.keys;

import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.util.Set;

/**
 * How a failed KMS call is reported, the same for the tenant's GenerateDataKey and the enclave's Decrypt: AccessDenied,
 * NotFound, InvalidCiphertext, IncorrectKey, Disabled, KMSInvalidState, InvalidKeyUsage, InvalidGrantToken and other
 * 4xx answers are KEY_REFUSED; throttling, 5xx (KMSInternal, DependencyTimeout, KeyUnavailable), credential and
 * signature problems and network failures are KMS_UNAVAILABLE. Plain JDK: each AWS SDK adapter unpacks its exception
 * and asks here.
 */
public final class KmsErrors {
  private static final Set<String> UNAVAILABLE_CODES = Set.of(
      "ThrottlingException", "Throttling", "RequestLimitExceeded", "TooManyRequestsException",
      "KMSInternalException", "KmsInternalException", "DependencyTimeoutException", "KeyUnavailableException",
      "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure",
      "UnrecognizedClientException", "ExpiredTokenException", "InvalidSignatureException",
      "IncompleteSignature", "MissingAuthenticationToken", "InvalidClientTokenId", "SignatureDoesNotMatch",
      "RequestExpired");

  private KmsErrors() {}

  /**
   * KMS answered with an error.
   *
   * @param errorCode the AWS error code ({@code __type}), or null
   * @param throttling whether the SDK classed the answer as throttling
   */
  public static EnclaveException answered(String operation, String errorCode, int status, boolean throttling) {
    String what = "KMS " + operation + " failed: " + (errorCode != null ? errorCode : "HTTP " + status);
    if (throttling || status >= 500 || status == 0 || (errorCode != null && UNAVAILABLE_CODES.contains(errorCode))) {
      return new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE, what + " (try again later)");
    }
    return new EnclaveException(EnclaveErrorCode.KEY_REFUSED, what);
  }

  /**
   * KMS gave no answer: {@code unreachable} when the client could not reach it, else the call failed otherwise.
   *
   * @param failure the exception's simple class name (never its message, which may quote a request)
   */
  public static EnclaveException noAnswer(String operation, boolean unreachable, String failure) {
    return new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE,
        "KMS " + operation + (unreachable ? " could not be reached: " : " failed: ") + failure);
  }
}
