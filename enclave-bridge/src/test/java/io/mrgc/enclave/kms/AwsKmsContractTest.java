package io.mrgc.enclave.kms;

import static io.mrgc.wire.keys.FakeKmsEndpoint.JSON;
import static io.mrgc.wire.keys.FakeKmsEndpoint.KEY_ARN;
import static io.mrgc.wire.keys.FakeKmsEndpoint.b64;
import static io.mrgc.wire.keys.FakeKmsEndpoint.respond;
import static io.mrgc.wire.keys.FakeKmsEndpoint.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mrgc.enclave.Decrypted;
import io.mrgc.enclave.attestation.AttestationDocuments;
import io.mrgc.enclave.attestation.AttestationProvider;
import io.mrgc.enclave.crypto.RecipientCms;
import io.mrgc.enclave.service.EnclaveService;
import io.mrgc.enclave.service.Fixture;
import io.mrgc.wire.crypto.AesGcm;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.envelope.EnvelopeHeader;
import io.mrgc.wire.envelope.TenantEnvelopes;
import io.mrgc.wire.keys.DataKey;
import io.mrgc.wire.keys.EncryptionContexts;
import io.mrgc.wire.keys.FakeKmsEndpoint;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * The real SDK v2 KmsClient against an in-test HTTP endpoint ({@link FakeKmsEndpoint}) that checks the JSON 1.1
 * requests and answers like KMS: Decrypt with Recipient for the enclave (CiphertextForRecipient = CMS to the key in
 * the attestation document), and KMS errors mapped to the enclave's codes. The tenant's GenerateDataKey is the tenant
 * SDK's (KmsDataKeysContractTest).
 */
class AwsKmsContractTest {
  static final byte[] DATA_KEY = AesGcm.randomKey();
  static final byte[] BLOB = "kms-ciphertext-blob-for-acme".getBytes(StandardCharsets.UTF_8);

  FakeKmsEndpoint endpoint;
  KmsClient client;
  AwsKms kms;

  @BeforeEach
  void start() throws IOException {
    endpoint = new FakeKmsEndpoint();
    client = client(endpoint.uri());
    kms = new AwsKms(client);
  }

  @AfterEach
  void stop() {
    client.close();
    endpoint.close();
  }

  static KmsClient client(URI endpoint) {
    return KmsClient.builder()
        .region(Region.US_EAST_1)
        .endpointOverride(endpoint)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")))
        .httpClient(UrlConnectionHttpClient.create())
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .build();
  }

  @Test
  void decryptWithRecipientContractEndToEnd() throws Exception {
    AtomicReference<byte[]> producedDocument = new AtomicReference<>();
    AttestationProvider local = Fixture.attestationFor(Fixture.IMAGE);
    AttestationProvider recording = pk -> {
      byte[] doc = local.attestationDocument(pk);
      producedDocument.set(doc);
      return doc;
    };
    endpoint.handle((ex, body) -> {
      endpoint.check("TrentService.Decrypt".equals(target(ex)), "X-Amz-Target TrentService.Decrypt");
      endpoint.check(KEY_ARN.equals(body.path("KeyId").asText()), "KeyId");
      endpoint.check(b64(BLOB).equals(body.path("CiphertextBlob").asText()), "CiphertextBlob is the EDK");
      endpoint.check("acme".equals(body.path("EncryptionContext").path("mrgc:tenant").asText())
          && body.path("EncryptionContext").size() == 1, "EncryptionContext {mrgc:tenant: acme}");
      JsonNode r = body.path("Recipient");
      endpoint.check("RSAES_OAEP_SHA_256".equals(r.path("KeyEncryptionAlgorithm").asText()), "RSAES_OAEP_SHA_256");
      byte[] doc = Base64.getDecoder().decode(r.path("AttestationDocument").asText());
      endpoint.check(java.util.Arrays.equals(doc, producedDocument.get()),
          "AttestationDocument is the service's document");
      // KMS encrypts the key to the RSA public key inside the attestation document
      byte[] spki = AttestationDocuments.parse(doc).publicKey();
      PublicKey pub = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(spki));
      ObjectNode out = JSON.createObjectNode();
      out.put("KeyId", KEY_ARN);
      out.put("CiphertextForRecipient", b64(RecipientCms.envelope(pub, DATA_KEY)));
      out.put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
      respond(ex, 200, JSON.writeValueAsString(out));
    });

    EnclaveService service = new EnclaveService(kms, recording); // started before the request is sealed
    DataKey dk = new DataKey(KEY_ARN, DATA_KEY.clone(), BLOB.clone()); // what GenerateDataKey gave the tenant
    EnvelopeHeader h = new EnvelopeHeader("acme", KEY_ARN, Fixture.MODEL, Fixture.PATH, "req-1");
    TenantEnvelopes tenant = new TenantEnvelopes();
    TenantEnvelopes.SealedRequest sealed = tenant.sealRequest(dk.plaintext(), dk.edk(), h,
        "embed this".getBytes(StandardCharsets.UTF_8));

    Decrypted d = service.decryptRequest(Fixture.asTenant(sealed.envelope(), "acme"));
    assertThat(new String(d.plaintext(), StandardCharsets.UTF_8)).isEqualTo("embed this");
    assertThat(AttestationDocuments.parse(producedDocument.get()).publicKey()).isEqualTo(service.publicKeyDer());
    byte[] resp = service.encryptResponse(d.sessionId(), "[0.1,0.2]".getBytes(StandardCharsets.UTF_8));
    assertThat(new String(tenant.openResponse(dk.plaintext(), sealed.binding(), resp), StandardCharsets.UTF_8))
        .isEqualTo("[0.1,0.2]");
    assertThat(service.kmsCalls()).isEqualTo(1);
  }

  @Test
  void aPlaintextAnswerIsRefused() {
    endpoint.handle((ex, body) -> respond(ex, 200, "{\"KeyId\":\"" + KEY_ARN + "\",\"Plaintext\":\"" + b64(DATA_KEY)
        + "\"}"));
    assertThatThrownBy(() -> kms.decryptForRecipient(BLOB, KEY_ARN, EncryptionContexts.forTenant("acme"),
        new byte[] {1}))
        .hasMessageContaining("plaintext key instead of CiphertextForRecipient")
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.KEY_REFUSED));
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
      "400, AccessDeniedException, KEY_REFUSED",
      "400, NotFoundException, KEY_REFUSED",
      "400, InvalidCiphertextException, KEY_REFUSED",
      "400, KMSInvalidStateException, KEY_REFUSED",
      "400, IncorrectKeyException, KEY_REFUSED",
      "400, DisabledException, KEY_REFUSED",
      "400, ThrottlingException, KMS_UNAVAILABLE",
      "400, ExpiredTokenException, KMS_UNAVAILABLE",
      "500, KMSInternalException, KMS_UNAVAILABLE",
      "500, KeyUnavailableException, KMS_UNAVAILABLE",
      "503, DependencyTimeoutException, KMS_UNAVAILABLE",
  })
  void errorsAreMapped(int status, String type, EnclaveErrorCode expected) {
    endpoint.refuse(status, type);
    assertThatThrownBy(() -> kms.decryptForRecipient(BLOB, KEY_ARN, EncryptionContexts.forTenant("acme"),
        new byte[] {1}))
        .isInstanceOf(EnclaveException.class)
        .hasMessageContaining(type)
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(expected));
  }

  @Test
  void unreachableKmsIsUnavailable() throws Exception {
    try (KmsClient dead = client(FakeKmsEndpoint.deadUri())) {
      assertThatThrownBy(() -> new AwsKms(dead).decryptForRecipient(BLOB, KEY_ARN,
          EncryptionContexts.forTenant("acme"), new byte[] {1}))
          .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.KMS_UNAVAILABLE));
    }
  }
}
