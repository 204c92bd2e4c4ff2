package io.mrgc.enclave.kms;

import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.keys.KmsErrors;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.KeyEncryptionMechanism;
import software.amazon.awssdk.services.kms.model.RecipientInfo;

/**
 * AWS KMS through the SDK v2 {@link KmsClient}, the enclave's side: Decrypt with
 * {@code Recipient{AttestationDocument, RSAES_OAEP_SHA_256}} and the encryption context;
 * the answer's {@code CiphertextForRecipient} is returned, a plaintext answer is refused (it would mean the key
 * policy let the key out without attestation).
 * Errors as {@link KmsErrors} says. The tenant's side (GenerateDataKey) is the tenant SDK's own adapter.
 */
public final class AwsKms implements RecipientKms {
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
      return KmsErrors.answered(operation, code, s.statusCode(), s.isThrottlingException());
    }
    return KmsErrors.noAnswer(operation, e instanceof SdkClientException, e.getClass().getSimpleName());
  }
}
