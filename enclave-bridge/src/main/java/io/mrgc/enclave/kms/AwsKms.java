package io.mrgc.enclave.kms;

import io.mrgc.enclave.EnclaveErrorCode;
import io.mrgc.enclave.EnclaveException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.KeyEncryptionMechanism;
import software.amazon.awssdk.services.kms.model.RecipientInfo;

/**
 * AWS KMS through the SDK v2 {@link KmsClient}. Tenant side: GenerateDataKey (AES_256) with the encryption context.
 * Enclave side: Decrypt with {@code Recipient{AttestationDocument, RSAES_OAEP_SHA_256}} and the encryption context;
 * the answer's {@code CiphertextForRecipient} is returned, a plaintext answer is refused (it would mean the key
 * policy let the key out without attestation).
 *
 * <p>Errors: AccessDenied, NotFound, InvalidCiphertext, IncorrectKey, Disabled, KMSInvalidState, InvalidKeyUsage,
 * InvalidGrantToken and other 4xx answers are KEY_REFUSED; throttling, 5xx (KMSInternal, DependencyTimeout,
 * KeyUnavailable), credential/signature problems and network failures are KMS_UNAVAILABLE.
 */
public final class AwsKms implements DataKeySource, RecipientKms {
  private static final Set<String> UNAVAILABLE_CODES = Set.of(
      "ThrottlingException", "Throttling", "RequestLimitExceeded", "TooManyRequestsException",
      "KMSInternalException", "KmsInternalException", "DependencyTimeoutException", "KeyUnavailableException",
      "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure",
      "UnrecognizedClientException", "ExpiredTokenException", "InvalidSignatureException",
      "IncompleteSignature", "MissingAuthenticationToken", "InvalidClientTokenId", "SignatureDoesNotMatch",
      "RequestExpired");

  private final KmsClient kms;

  public AwsKms(KmsClient kms) {
    this.kms = kms;
  }

  /** Default deadline of one KMS API call, retries included: shorter than the enclave client's call timeout. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(2);

  /**
   * A client with the URL-connection HTTP client and {@link #DEFAULT_CALL_TIMEOUT} per call.
   *
   * @param endpointOverride null for the region's endpoint; set for tests or a VPC endpoint
   */
  public static AwsKms create(Region region, URI endpointOverride, AwsCredentialsProvider credentials) {
    return create(region, endpointOverride, credentials, DEFAULT_CALL_TIMEOUT);
  }

  /**
   * A client with the URL-connection HTTP client: connect and socket timeouts no longer than {@code callTimeout}
   * (at most 2 s connect), and {@code callTimeout} for a whole API call, retries included. The SDK then fails the
   * call (KMS_UNAVAILABLE) instead of leaving it hanging; the enclave service's own deadline is the backstop.
   */
  public static AwsKms create(Region region, URI endpointOverride, AwsCredentialsProvider credentials,
      Duration callTimeout) {
    if (callTimeout == null || callTimeout.isZero() || callTimeout.isNegative()) {
      throw new IllegalArgumentException("callTimeout must be a positive duration, but was " + callTimeout);
    }
    Duration connect = callTimeout.compareTo(Duration.ofSeconds(2)) < 0 ? callTimeout : Duration.ofSeconds(2);
    KmsClientBuilder b = KmsClient.builder()
        .region(region)
        .credentialsProvider(credentials)
        .httpClientBuilder(UrlConnectionHttpClient.builder()
            .connectionTimeout(connect)
            .socketTimeout(callTimeout))
        .overrideConfiguration(o -> o.apiCallTimeout(callTimeout).apiCallAttemptTimeout(callTimeout));
    if (endpointOverride != null) {
      b.endpointOverride(endpointOverride);
    }
    return new AwsKms(b.build());
  }

  @Override
  public DataKey generateDataKey(String keyId, Map<String, String> encryptionContext) throws EnclaveException {
    GenerateDataKeyResponse r;
    try {
      r = kms.generateDataKey(b -> b.keyId(keyId).keySpec(DataKeySpec.AES_256).encryptionContext(encryptionContext));
    } catch (SdkException e) {
      throw map("GenerateDataKey", e);
    }
    if (r.plaintext() == null || r.plaintext().asByteArrayUnsafe().length != 32 || r.ciphertextBlob() == null) {
      throw new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE,
          "KMS GenerateDataKey answered without a 32-byte plaintext key and a CiphertextBlob");
    }
    return new DataKey(r.keyId() != null ? r.keyId() : keyId, r.plaintext().asByteArray(),
        r.ciphertextBlob().asByteArray());
  }

  @Override
  public byte[] decryptForRecipient(byte[] edk, String keyId, Map<String, String> encryptionContext,
      byte[] attestationDocument) throws EnclaveException {
    RecipientInfo recipient = RecipientInfo.builder()
        .attestationDocument(SdkBytes.fromByteArray(attestationDocument))
        .keyEncryptionAlgorithm(KeyEncryptionMechanism.RSAES_OAEP_SHA_256)
        .build();
    DecryptResponse r;
    try {
      r = kms.decrypt(b -> b.ciphertextBlob(SdkBytes.fromByteArray(edk)).keyId(keyId)
          .encryptionContext(encryptionContext).recipient(recipient));
    } catch (SdkException e) {
      throw map("Decrypt", e);
    }
    if (r.plaintext() != null && r.plaintext().asByteArrayUnsafe().length > 0) {
      throw new EnclaveException(EnclaveErrorCode.KEY_REFUSED,
          "KMS Decrypt returned a plaintext key instead of CiphertextForRecipient; the enclave refuses it");
    }
    if (r.ciphertextForRecipient() == null) {
      throw new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE, "KMS Decrypt answered without CiphertextForRecipient");
    }
    return r.ciphertextForRecipient().asByteArray();
  }

  static EnclaveException map(String operation, SdkException e) {
    if (e instanceof AwsServiceException s) {
      String code = s.awsErrorDetails() != null ? s.awsErrorDetails().errorCode() : null;
      int status = s.statusCode();
      String what = "KMS " + operation + " failed: " + (code != null ? code : "HTTP " + status);
      if (s.isThrottlingException() || status >= 500 || status == 0 || (code != null && UNAVAILABLE_CODES.contains(code))) {
        return new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE, what + " (try again later)");
      }
      return new EnclaveException(EnclaveErrorCode.KEY_REFUSED, what);
    }
    if (e instanceof SdkClientException) {
      return new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE,
          "KMS " + operation + " could not be reached: " + e.getClass().getSimpleName());
    }
    return new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE, "KMS " + operation + " failed: "
        + e.getClass().getSimpleName());
  }
}
