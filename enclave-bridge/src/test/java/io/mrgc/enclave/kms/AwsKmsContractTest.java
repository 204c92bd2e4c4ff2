package io.mrgc.enclave.kms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.mrgc.enclave.Decrypted;
import io.mrgc.enclave.EnclaveErrorCode;
import io.mrgc.enclave.EnclaveException;
import io.mrgc.enclave.attestation.AttestationDocuments;
import io.mrgc.enclave.attestation.AttestationProvider;
import io.mrgc.enclave.crypto.AesGcm;
import io.mrgc.enclave.crypto.RecipientCms;
import io.mrgc.enclave.envelope.EnvelopeHeader;
import io.mrgc.enclave.envelope.TenantEnvelopes;
import io.mrgc.enclave.service.EnclaveService;
import io.mrgc.enclave.service.Fixture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
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
 * The real SDK v2 KmsClient against an in-test HTTP endpoint that checks the JSON 1.1 requests and answers like KMS:
 * GenerateDataKey for the tenant, Decrypt with Recipient for the enclave (CiphertextForRecipient = CMS to the key in
 * the attestation document), and KMS errors mapped to the enclave's codes.
 */
class AwsKmsContractTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  static final byte[] DATA_KEY = AesGcm.randomKey();
  static final byte[] BLOB = "kms-ciphertext-blob-for-acme".getBytes(StandardCharsets.UTF_8);

  interface Handler {
    void handle(HttpExchange ex, JsonNode body) throws Exception;
  }

  HttpServer server;
  KmsClient client;
  AwsKms kms;
  final AtomicReference<Handler> handler = new AtomicReference<>();
  final List<String> problems = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      try (ex) {
        byte[] in = ex.getRequestBody().readAllBytes();
        check(ex.getRequestMethod().equals("POST"), "method POST");
        check("application/x-amz-json-1.1".equals(ex.getRequestHeaders().getFirst("Content-Type")),
            "content type application/x-amz-json-1.1");
        check(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")).startsWith("AWS4-HMAC-SHA256"),
            "SigV4 signed");
        handler.get().handle(ex, JSON.readTree(in));
      } catch (Exception e) {
        synchronized (problems) {
          problems.add("handler failed: " + e);
        }
        respond(ex, 500, "{\"__type\":\"KMSInternalException\",\"message\":\"test handler failed\"}");
      }
    });
    server.start();
    client = client(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
    kms = new AwsKms(client);
  }

  @AfterEach
  void stop() {
    client.close();
    server.stop(0);
    assertThat(problems).isEmpty();
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

  void check(boolean ok, String what) {
    if (!ok) {
      synchronized (problems) {
        problems.add("request check failed: " + what);
      }
    }
  }

  static void respond(HttpExchange ex, int status, String body) {
    try {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
      ex.getResponseHeaders().add("x-amzn-RequestId", "11111111-2222-3333-4444-555555555555");
      ex.sendResponseHeaders(status, b.length);
      ex.getResponseBody().write(b);
    } catch (IOException ignored) {
      // the client went away
    }
  }

  String target(HttpExchange ex) {
    return ex.getRequestHeaders().getFirst("X-Amz-Target");
  }

  /** Plays KMS GenerateDataKey for the tenant. */
  void generateDataKey(HttpExchange ex, JsonNode body) {
    check("TrentService.GenerateDataKey".equals(target(ex)), "X-Amz-Target TrentService.GenerateDataKey");
    check(KEY_ARN.equals(body.path("KeyId").asText()), "KeyId");
    check("AES_256".equals(body.path("KeySpec").asText()), "KeySpec AES_256");
    check("acme".equals(body.path("EncryptionContext").path("mrgc:tenant").asText())
        && body.path("EncryptionContext").size() == 1, "EncryptionContext {mrgc:tenant: acme}");
    check(!body.has("Recipient"), "no Recipient on the tenant side");
    respond(ex, 200, "{\"CiphertextBlob\":\"" + b64(BLOB) + "\",\"KeyId\":\"" + KEY_ARN + "\",\"Plaintext\":\""
        + b64(DATA_KEY) + "\"}");
  }

  @Test
  void generateDataKeyContract() throws Exception {
    handler.set(this::generateDataKey);
    try (DataKey dk = kms.generateDataKey(KEY_ARN, EncryptionContexts.forTenant("acme"))) {
      assertThat(dk.plaintext()).isEqualTo(DATA_KEY);
      assertThat(dk.edk()).isEqualTo(BLOB);
      assertThat(dk.keyId()).isEqualTo(KEY_ARN);
    }
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
    handler.set((ex, body) -> {
      if ("TrentService.GenerateDataKey".equals(target(ex))) {
        generateDataKey(ex, body);
        return;
      }
      check("TrentService.Decrypt".equals(target(ex)), "X-Amz-Target TrentService.Decrypt");
      check(KEY_ARN.equals(body.path("KeyId").asText()), "KeyId");
      check(b64(BLOB).equals(body.path("CiphertextBlob").asText()), "CiphertextBlob is the EDK");
      check("acme".equals(body.path("EncryptionContext").path("mrgc:tenant").asText())
          && body.path("EncryptionContext").size() == 1, "EncryptionContext {mrgc:tenant: acme}");
      JsonNode r = body.path("Recipient");
      check("RSAES_OAEP_SHA_256".equals(r.path("KeyEncryptionAlgorithm").asText()), "RSAES_OAEP_SHA_256");
      byte[] doc = Base64.getDecoder().decode(r.path("AttestationDocument").asText());
      check(java.util.Arrays.equals(doc, producedDocument.get()), "AttestationDocument is the service's document");
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
    DataKey dk = kms.generateDataKey(KEY_ARN, EncryptionContexts.forTenant("acme"));
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
    handler.set((ex, body) -> respond(ex, 200, "{\"KeyId\":\"" + KEY_ARN + "\",\"Plaintext\":\"" + b64(DATA_KEY)
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
    handler.set((ex, body) -> respond(ex, status, "{\"__type\":\"" + type + "\",\"message\":\"test says no\"}"));
    assertThatThrownBy(() -> kms.decryptForRecipient(BLOB, KEY_ARN, EncryptionContexts.forTenant("acme"),
        new byte[] {1}))
        .isInstanceOf(EnclaveException.class)
        .hasMessageContaining(type)
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(expected));
    assertThatThrownBy(() -> kms.generateDataKey(KEY_ARN, EncryptionContexts.forTenant("acme")))
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(expected));
  }

  @Test
  void unreachableKmsIsUnavailable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (KmsClient dead = client(URI.create("http://127.0.0.1:" + port))) {
      assertThatThrownBy(() -> new AwsKms(dead).decryptForRecipient(BLOB, KEY_ARN,
          EncryptionContexts.forTenant("acme"), new byte[] {1}))
          .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.KMS_UNAVAILABLE));
    }
  }

  static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }
}
