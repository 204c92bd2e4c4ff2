package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.agent.ModelInstaller;
import io.mrgc.tenant.MrgcClient;
import io.mrgc.tenant.MrgcException;
import io.mrgc.wire.MediaTypes;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.envelope.EnvelopeCodec;
import io.mrgc.wire.envelope.EnvelopeHeader;
import io.mrgc.wire.envelope.RequestEnvelope;
import io.mrgc.wire.envelope.TenantEnvelopes;
import io.mrgc.wire.keys.DataKey;
import io.mrgc.wire.keys.DataKeySource;
import io.mrgc.wire.keys.EncryptionContexts;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the encrypted path, through the front door of a cluster at its defaults (plaintext refused), each
 * refused with the right status; and the logs of an encrypted run hold neither plaintext nor key bytes.
 */
class ClusterSecurityTest {
  private static final String MODEL = "all-minilm-l6-v2";
  @TempDir
  static Path stateDir;
  private static LocalCluster cluster;
  private static WebClient web;
  private static URI anycast;
  private static TenantAdmin.Credentials alice;
  private static TenantAdmin.Credentials bob;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(LocalClusterOptions.ephemeral(stateDir));
    cluster.awaitServing(Duration.ofSeconds(60));
    web = WebClient.create(cluster.vertx());
    anycast = cluster.anycastUrls().values().iterator().next();
    alice = cluster.createTenant("alice", TenantAdmin.TenantSettings.defaults());
    bob = cluster.createTenant("bob", TenantAdmin.TenantSettings.defaults());
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static MrgcClient sdk(TenantAdmin.Credentials tenant, String apiKey, DataKeySource keys) {
    return MrgcClient.builder().endpoint(anycast).tenant(tenant.tenantId()).apiKey(apiKey)
        .kmsKeyId(tenant.kmsKeyId()).dataKeySource(keys).build();
  }

  @Test
  void plaintextIsRefusedByDefault() throws Exception {
    HttpResponse<Buffer> response = web.post(anycast.getPort(), anycast.getHost(), "/v1/embeddings")
        .putHeader("Authorization", "Bearer " + alice.apiKey()).putHeader("x-mrgc-model", MODEL)
        .sendJsonObject(new JsonObject().put("model", MODEL).put("input", "x")).await(10, TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("encryption_required");
  }

  @Test
  void wrongApiKeyIs401() {
    try (MrgcClient client = sdk(alice, "mrgc_" + "A".repeat(43), cluster.tenantKeySource())) {
      assertThatThrownBy(() -> client.embed(MODEL, List.of("x"))).isInstanceOf(MrgcException.Unauthorized.class);
    }
  }

  @Test
  void tenantNotAllowedTheModelIs403() {
    TenantAdmin.Credentials limited = cluster.createTenant("limited",
        new TenantAdmin.TenantSettings(List.of("another-model"), List.of(), null, null));
    try (MrgcClient client = sdk(limited, limited.apiKey(), cluster.tenantKeySource())) {
      assertThatThrownBy(() -> client.embed(MODEL, List.of("x")))
          .isInstanceOfSatisfying(MrgcException.Forbidden.class, e -> assertThat(e.code()).isEqualTo("model_not_allowed"));
    }
  }

  @Test
  void anotherTenantsDataKeyIsRefused() throws Exception {
    // Alice (authenticated as herself) sends an envelope whose data key is Bob's: the enclave asks KMS to release
    // Bob's key in Alice's encryption context, which the key policy refuses.
    try (DataKey bobsKey = cluster.tenantKeySource().generateDataKey(bob.kmsKeyId(),
        EncryptionContexts.forTenant(bob.tenantId()))) {
      byte[] envelope = new TenantEnvelopes().sealRequest(bobsKey.plaintext(), bobsKey.edk(),
          header(alice.tenantId(), bob.kmsKeyId(), MODEL, "/v1/embeddings"), body("hello")).envelope();
      HttpResponse<Buffer> response = sendEnvelope(alice, "/v1/embeddings", MODEL, envelope);
      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(errorCode(response)).isEqualTo("key_refused");
    }
  }

  @Test
  void tamperedCiphertextIs400WithoutDetail() throws Exception {
    byte[] valid = aliceEnvelope("/v1/embeddings", MODEL);
    EnvelopeCodec codec = new EnvelopeCodec();
    RequestEnvelope parsed = codec.parseRequest(valid);
    byte[] ct = parsed.ct().clone();
    ct[ct.length / 2] ^= 0x01;
    byte[] tampered = codec.encode(new RequestEnvelope(parsed.header(), parsed.edk(), parsed.iv(), ct));
    HttpResponse<Buffer> response = sendEnvelope(alice, "/v1/embeddings", MODEL, tampered);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(errorCode(response)).isEqualTo("envelope_auth_failed");
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .isEqualTo("authenticated decryption failed");
  }

  @Test
  void envelopeReplayedWithAChangedModelOrPathIsRefused() throws Exception {
    byte[] envelope = aliceEnvelope("/v1/embeddings", MODEL);
    HttpResponse<Buffer> otherPath = sendEnvelope(alice, "/v2/models/" + MODEL + "/infer", MODEL, envelope);
    assertThat(otherPath.statusCode()).isEqualTo(403);
    assertThat(errorCode(otherPath)).isEqualTo("tenant_mismatch");
    // Another model every instance serves, so the request reaches the enclave (the router answers 404 for one none
    // serves): the envelope is bound to the model it was sealed for.
    HttpResponse<Buffer> otherModel = sendEnvelope(alice, "/v1/embeddings", ModelInstaller.MINILM_QUANTIZED_MODEL,
        envelope);
    assertThat(otherModel.statusCode()).isEqualTo(403);
    assertThat(errorCode(otherModel)).isEqualTo("tenant_mismatch");
    HttpResponse<Buffer> otherTenant = sendEnvelope(bob, "/v1/embeddings", MODEL, envelope);
    assertThat(otherTenant.statusCode()).as("Alice's envelope sent with Bob's API key").isEqualTo(403);
    assertThat(sendEnvelope(alice, "/v1/embeddings", MODEL, envelope).statusCode()).as("unchanged").isEqualTo(200);
  }

  @Test
  void logsOfAnEncryptedRunHoldNoPlaintextAndNoKeyBytes() throws Exception {
    String canary = "canary-" + UUID.randomUUID() + " confidential patient note";
    List<byte[]> dataKeys = new CopyOnWriteArrayList<>();
    DataKeySource recording = (keyId, context) -> {
      DataKey key = cluster.tenantKeySource().generateDataKey(keyId, context);
      dataKeys.add(key.plaintext().clone());
      return key;
    };
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    System.setOut(new PrintStream(new Tee(originalOut, captured), true));
    System.setErr(new PrintStream(new Tee(originalErr, captured), true));
    try (MrgcClient client = MrgcClient.builder().endpoint(anycast).tenant(alice.tenantId()).apiKey(alice.apiKey())
        .kmsKeyId(alice.kmsKeyId()).dataKeySource(recording)
        .dataKeyReuse(io.mrgc.tenant.DataKeyReuse.none()).build()) {
      for (int i = 0; i < 5; i++) {
        assertThat(client.embed(MODEL, List.of(canary)).vectors()).hasSize(1);
      }
      // Refusals log too: a tampered envelope and a wrong key on the way.
      byte[] valid = aliceEnvelope("/v1/embeddings", MODEL);
      valid[valid.length - 10] ^= 0x01;
      sendEnvelope(alice, "/v1/embeddings", MODEL, valid);
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
    String logs = captured.toString(StandardCharsets.UTF_8);
    assertThat(dataKeys).hasSize(5);
    assertThat(logs).as("the capture sees the services' logs (the key ring warns at every open)").contains("NOT SECURE");
    assertThat(logs).doesNotContain("canary-").doesNotContain("patient note");
    for (byte[] key : dataKeys) {
      assertThat(logs).doesNotContain(HexFormat.of().formatHex(key))
          .doesNotContain(Base64.getEncoder().encodeToString(key))
          .doesNotContain(Base64.getUrlEncoder().withoutPadding().encodeToString(key));
    }
    assertThat(logs).doesNotContain(alice.apiKey());
  }

  private static byte[] aliceEnvelope(String path, String model) throws EnclaveException {
    try (DataKey key = cluster.tenantKeySource().generateDataKey(alice.kmsKeyId(),
        EncryptionContexts.forTenant(alice.tenantId()))) {
      return new TenantEnvelopes().sealRequest(key.plaintext(), key.edk(),
          header(alice.tenantId(), alice.kmsKeyId(), model, path), body("hello")).envelope();
    }
  }

  private static EnvelopeHeader header(String tenant, String kid, String model, String path) {
    return new EnvelopeHeader(tenant, kid, model, path, UUID.randomUUID().toString());
  }

  private static byte[] body(String input) {
    return new JsonObject().put("model", MODEL).put("input", input).toBuffer().getBytes();
  }

  private static HttpResponse<Buffer> sendEnvelope(TenantAdmin.Credentials as, String path, String model,
      byte[] envelope) throws Exception {
    return web.post(anycast.getPort(), anycast.getHost(), path)
        .putHeader("Authorization", "Bearer " + as.apiKey())
        .putHeader("Content-Type", MediaTypes.ENVELOPE)
        .putHeader("x-mrgc-model", model)
        .sendBuffer(Buffer.buffer(envelope)).await(30, TimeUnit.SECONDS);
  }

  private static String errorCode(HttpResponse<Buffer> response) {
    return response.bodyAsJsonObject().getJsonObject("error").getString("code");
  }

  /** Copies everything written to the original stream into a capture buffer. */
  private static final class Tee extends OutputStream {
    private final OutputStream original;
    private final OutputStream copy;

    Tee(OutputStream original, OutputStream copy) {
      this.original = original;
      this.copy = copy;
    }

    @Override
    public synchronized void write(int b) throws java.io.IOException {
      original.write(b);
      copy.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws java.io.IOException {
      original.write(b, off, len);
      copy.write(b, off, len);
    }
  }
}
