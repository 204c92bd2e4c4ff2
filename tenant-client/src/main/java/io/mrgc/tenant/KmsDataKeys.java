package io.mrgc.tenant;

import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.keys.DataKey;
import io.mrgc.wire.keys.DataKeySource;
import io.mrgc.wire.keys.KmsErrors;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;

/**
 * The SDK's data keys from AWS KMS: GenerateDataKey (AES_256) under the tenant's key with the encryption context,
 * through the SDK v2 {@link KmsClient}. Errors as {@link KmsErrors} says (KEY_REFUSED or KMS_UNAVAILABLE).
 */
public final class KmsDataKeys implements DataKeySource {
  /** Deadline of one GenerateDataKey call, SDK retries included. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(2);

  private final KmsClient kms;

  /** Uses {@code kms} as configured (region, credentials, HTTP client); the caller closes it. */
  public KmsDataKeys(KmsClient kms) {
    this.kms = kms;
  }

  /** A client for {@code region} on the JDK's HTTP stack, {@link #DEFAULT_CALL_TIMEOUT} per call. */
  public static KmsDataKeys create(Region region, AwsCredentialsProvider credentials) {
    return new KmsDataKeys(KmsClient.builder()
        .region(region)
        .credentialsProvider(credentials)
        .httpClient(UrlConnectionHttpClient.create())
        .overrideConfiguration(o -> o.apiCallTimeout(DEFAULT_CALL_TIMEOUT))
        .build());
  }

  @Override
  public DataKey generateDataKey(String keyId, Map<String, String> encryptionContext) throws EnclaveException {
    GenerateDataKeyResponse r;
    try {
      r = kms.generateDataKey(b -> b.keyId(keyId).keySpec(DataKeySpec.AES_256).encryptionContext(encryptionContext));
    } catch (AwsServiceException e) {
      String code = e.awsErrorDetails() != null ? e.awsErrorDetails().errorCode() : null;
      throw KmsErrors.answered("GenerateDataKey", code, e.statusCode(), e.isThrottlingException());
    } catch (SdkException e) {
      throw KmsErrors.noAnswer("GenerateDataKey", e instanceof SdkClientException, e.getClass().getSimpleName());
    }
    if (r.plaintext() == null || r.plaintext().asByteArrayUnsafe().length != 32 || r.ciphertextBlob() == null) {
      throw new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE,
          "KMS GenerateDataKey answered without a 32-byte plaintext key and a CiphertextBlob");
    }
    return new DataKey(r.keyId() != null ? r.keyId() : keyId, r.plaintext().asByteArray(),
        r.ciphertextBlob().asByteArray());
  }
}
