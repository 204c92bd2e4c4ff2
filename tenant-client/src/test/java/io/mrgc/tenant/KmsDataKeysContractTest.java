package io.mrgc.tenant;

import static io.mrgc.wire.keys.FakeKmsEndpoint.KEY_ARN;
import static io.mrgc.wire.keys.FakeKmsEndpoint.b64;
import static io.mrgc.wire.keys.FakeKmsEndpoint.respond;
import static io.mrgc.wire.keys.FakeKmsEndpoint.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.wire.crypto.AesGcm;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.keys.DataKey;
import io.mrgc.wire.keys.EncryptionContexts;
import io.mrgc.wire.keys.FakeKmsEndpoint;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * The SDK's GenerateDataKey through the real SDK v2 KmsClient (on the classpath the SDK ships with: the JDK's HTTP
 * stack) against an in-test endpoint that checks the JSON 1.1 request and answers like KMS; KMS errors map to
 * KEY_REFUSED or KMS_UNAVAILABLE.
 */
class KmsDataKeysContractTest {
  static final byte[] DATA_KEY = AesGcm.randomKey();
  static final byte[] BLOB = "kms-ciphertext-blob-for-acme".getBytes(StandardCharsets.UTF_8);

  FakeKmsEndpoint endpoint;
  KmsClient client;

  @BeforeEach
  void start() throws IOException {
    endpoint = new FakeKmsEndpoint();
    client = client(endpoint.uri());
  }

  @AfterEach
  void stop() {
    client.close();
    endpoint.close();
  }

  /** No HTTP client named: the SDK must find the JDK one, the only one the tenant SDK depends on. */
  static KmsClient client(URI uri) {
    return KmsClient.builder().region(Region.US_EAST_1).endpointOverride(uri)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")))
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
  }

  @Test
  void generateDataKeyContract() throws Exception {
    endpoint.handle((ex, body) -> {
      endpoint.check("TrentService.GenerateDataKey".equals(target(ex)), "X-Amz-Target TrentService.GenerateDataKey");
      endpoint.check(KEY_ARN.equals(body.path("KeyId").asText()), "KeyId");
      endpoint.check("AES_256".equals(body.path("KeySpec").asText()), "KeySpec AES_256");
      endpoint.check("acme".equals(body.path("EncryptionContext").path("mrgc:tenant").asText())
          && body.path("EncryptionContext").size() == 1, "EncryptionContext {mrgc:tenant: acme}");
      endpoint.check(!body.has("Recipient"), "no Recipient on the tenant side");
      respond(ex, 200, "{\"CiphertextBlob\":\"" + b64(BLOB) + "\",\"KeyId\":\"" + KEY_ARN + "\",\"Plaintext\":\""
          + b64(DATA_KEY) + "\"}");
    });
    try (DataKey dk = new KmsDataKeys(client).generateDataKey(KEY_ARN, EncryptionContexts.forTenant("acme"))) {
      assertThat(dk.plaintext()).isEqualTo(DATA_KEY);
      assertThat(dk.edk()).isEqualTo(BLOB);
      assertThat(dk.keyId()).isEqualTo(KEY_ARN);
    }
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
      "400, AccessDeniedException, KEY_REFUSED",
      "400, NotFoundException, KEY_REFUSED",
      "400, DisabledException, KEY_REFUSED",
      "400, ThrottlingException, KMS_UNAVAILABLE",
      "400, ExpiredTokenException, KMS_UNAVAILABLE",
      "500, KMSInternalException, KMS_UNAVAILABLE",
      "503, DependencyTimeoutException, KMS_UNAVAILABLE",
  })
  void errorsAreMapped(int status, String type, EnclaveErrorCode expected) {
    endpoint.refuse(status, type);
    assertThatThrownBy(() -> new KmsDataKeys(client).generateDataKey(KEY_ARN, EncryptionContexts.forTenant("acme")))
        .isInstanceOf(EnclaveException.class)
        .hasMessageContaining(type)
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(expected));
  }

  @Test
  void anAnswerWithoutAKeyIsUnavailable() {
    endpoint.handle((ex, body) -> respond(ex, 200, "{\"KeyId\":\"" + KEY_ARN + "\"}"));
    assertThatThrownBy(() -> new KmsDataKeys(client).generateDataKey(KEY_ARN, EncryptionContexts.forTenant("acme")))
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.KMS_UNAVAILABLE));
  }

  @Test
  void unreachableKmsIsUnavailable() throws Exception {
    try (KmsClient dead = client(FakeKmsEndpoint.deadUri())) {
      assertThatThrownBy(() -> new KmsDataKeys(dead).generateDataKey(KEY_ARN, EncryptionContexts.forTenant("acme")))
          .hasMessageContaining("could not be reached")
          .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.KMS_UNAVAILABLE));
    }
  }
}
