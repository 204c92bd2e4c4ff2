package io.mrgc.enclave.service;

import static io.mrgc.enclave.service.Fixture.asTenant;
import static io.mrgc.enclave.service.Fixture.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.enclave.DecryptRequest;
import io.mrgc.enclave.Decrypted;
import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.envelope.TenantEnvelopes;
import io.mrgc.wire.keys.DataKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnclaveServiceTest {
  @TempDir Path dir;
  Fixture f;
  EnclaveService service;

  @BeforeEach
  void setUp() throws Exception {
    f = new Fixture(dir);
    service = f.service();
  }

  @Test
  void roundTrip() throws Exception {
    DataKey key = f.dataKey("acme", f.acmeKey);
    TenantEnvelopes.SealedRequest sealed = f.seal(key, header("acme", f.acmeKey, "r-1"), "what is 2+2?");
    Decrypted d = service.decryptRequest(asTenant(sealed.envelope(), "acme"));
    assertThat(new String(d.plaintext(), StandardCharsets.UTF_8)).isEqualTo("what is 2+2?");
    assertThat(d.requestId()).isEqualTo("r-1");
    assertThat(d.sessionId()).hasSize(32); // base64url of 8 bytes of boot id and 16 random bytes
    byte[] response = service.encryptResponse(d.sessionId(), "4".getBytes());
    assertThat(f.tenant.openResponse(key.plaintext(), sealed.binding(), response)).isEqualTo("4".getBytes());
    assertThat(service.kmsCalls()).isEqualTo(1);
    // the session is over
    code(() -> service.encryptResponse(d.sessionId(), "again".getBytes()), EnclaveErrorCode.UNKNOWN_SESSION);
    code(() -> service.encryptResponse("nope", new byte[1]), EnclaveErrorCode.UNKNOWN_SESSION);
    code(() -> service.encryptResponse(null, new byte[1]), EnclaveErrorCode.UNKNOWN_SESSION);
    service.ping();
  }

  @Test
  void responseToAnotherRequestDoesNotOpen() throws Exception {
    DataKey key = f.dataKey("acme", f.acmeKey);
    TenantEnvelopes.SealedRequest one = f.seal(key, header("acme", f.acmeKey, "r-1"), "a");
    TenantEnvelopes.SealedRequest two = f.seal(key, header("acme", f.acmeKey, "r-2"), "b");
    Decrypted d1 = service.decryptRequest(asTenant(one.envelope(), "acme"));
    byte[] resp1 = service.encryptResponse(d1.sessionId(), "for one".getBytes());
    code(() -> f.tenant.openResponse(key.plaintext(), two.binding(), resp1), EnclaveErrorCode.AEAD_FAILURE);
  }

  @Test
  void boundFieldsAreChecked() throws Exception {
    DataKey key = f.dataKey("acme", f.acmeKey);
    byte[] env = f.seal(key, header("acme", f.acmeKey, "r-1"), "hello").envelope();
    code(() -> service.decryptRequest(asTenant(env, "globex")), EnclaveErrorCode.TENANT_MISMATCH);
    // replay to another model or path
    code(() -> service.decryptRequest(new DecryptRequest(env, "acme", "other-model", Fixture.PATH)),
        EnclaveErrorCode.TENANT_MISMATCH);
    code(() -> service.decryptRequest(new DecryptRequest(env, "acme", Fixture.MODEL, "/v2/models/minilm/infer")),
        EnclaveErrorCode.TENANT_MISMATCH);
    code(() -> service.decryptRequest(new DecryptRequest(env, "acme", null, Fixture.PATH)),
        EnclaveErrorCode.TENANT_MISMATCH);
    // the envelope's model or path rewritten to match the new target: the AAD no longer matches
    for (String[] change : new String[][] {{"\"model\":\"minilm\"", "\"model\":\"other-model\""},
        {"\"path\":\"/v1/embeddings\"", "\"path\":\"/v2/infer\""}, {"\"rid\":\"r-1\"", "\"rid\":\"r-2\""}}) {
      byte[] moved = new String(env, StandardCharsets.UTF_8).replace(change[0], change[1])
          .getBytes(StandardCharsets.UTF_8);
      String model = change[1].contains("other-model") ? "other-model" : Fixture.MODEL;
      String path = change[1].contains("/v2/infer") ? "/v2/infer" : Fixture.PATH;
      code(() -> service.decryptRequest(new DecryptRequest(moved, "acme", model, path)),
          EnclaveErrorCode.AEAD_FAILURE);
    }
    // tampered ciphertext
    String json = new String(env, StandardCharsets.UTF_8);
    int ct = json.indexOf("\"ct\":\"") + 6;
    char c = json.charAt(ct);
    byte[] tampered = (json.substring(0, ct) + (c == 'A' ? 'B' : 'A') + json.substring(ct + 1))
        .getBytes(StandardCharsets.UTF_8);
    code(() -> service.decryptRequest(asTenant(tampered, "acme")), EnclaveErrorCode.AEAD_FAILURE);
    code(() -> service.decryptRequest(asTenant("{}".getBytes(), "acme")), EnclaveErrorCode.MALFORMED);
    assertThat(service.openSessions()).isZero();
  }

  @Test
  void anotherTenantsKeyIsRefused() throws Exception {
    DataKey globex = f.dataKey("globex", f.globexKey);
    // globex's envelope sent by the authenticated tenant acme
    byte[] globexEnv = f.seal(globex, header("globex", f.globexKey, "r-1"), "x").envelope();
    code(() -> service.decryptRequest(asTenant(globexEnv, "acme")), EnclaveErrorCode.TENANT_MISMATCH);
    // acme claims globex's key id and EDK in an acme envelope: KMS sees context tenant acme
    byte[] stolen = f.tenant.sealRequest(globex.plaintext(), globex.edk(), header("acme", f.globexKey, "r-2"),
        "x".getBytes()).envelope();
    code(() -> service.decryptRequest(asTenant(stolen, "acme")), EnclaveErrorCode.KEY_REFUSED);
    // acme's envelope with its own key id but globex's EDK
    byte[] swapped = f.tenant.sealRequest(globex.plaintext(), globex.edk(), header("acme", f.acmeKey, "r-3"),
        "x".getBytes()).envelope();
    code(() -> service.decryptRequest(asTenant(swapped, "acme")), EnclaveErrorCode.KEY_REFUSED);
    // a cached globex key is never served for an acme request with the same EDK
    service.decryptRequest(asTenant(globexEnv, "globex"));
    code(() -> service.decryptRequest(asTenant(stolen, "acme")), EnclaveErrorCode.KEY_REFUSED);
  }

  @Test
  void debugAndWrongImagesAreRefused() throws Exception {
    DataKey key = f.dataKey("acme", f.acmeKey);
    byte[] env = f.seal(key, header("acme", f.acmeKey, "r-1"), "x").envelope();
    EnclaveService debug = f.service(EnclaveServiceConfig.defaults(), Fixture.attestationFor(new byte[48]));
    assertThatThrownBy(() -> debug.decryptRequest(asTenant(env, "acme"))).hasMessageContaining("all zeros")
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.KEY_REFUSED));
    EnclaveService other = f.service(EnclaveServiceConfig.defaults(),
        Fixture.attestationFor(Bytes.sha384("tampered image".getBytes())));
    code(() -> other.decryptRequest(asTenant(env, "acme")), EnclaveErrorCode.KEY_REFUSED);
  }

  @Test
  void cacheServesManyRequestsWithOneKmsCall() throws Exception {
    DataKey key = f.dataKey("acme", f.acmeKey);
    for (int i = 0; i < 50; i++) {
      byte[] env = f.seal(key, header("acme", f.acmeKey, "r-" + i), "req " + i).envelope();
      Decrypted d = service.decryptRequest(asTenant(env, "acme"));
      assertThat(new String(d.plaintext(), StandardCharsets.UTF_8)).isEqualTo("req " + i);
      service.encryptResponse(d.sessionId(), new byte[0]);
    }
    assertThat(service.kmsCalls()).isEqualTo(1);
    assertThat(service.cacheHits()).isEqualTo(49);
  }

  @Test
  void cacheBoundsAgeUsesAndEntries() throws Exception {
    EnclaveService s = f.service(EnclaveServiceConfig.defaults()
        .withCache(new DataKeyCache.Limits(2, Duration.ofMinutes(5), 3)));
    DataKey a = f.dataKey("acme", f.acmeKey);
    // uses: 3 per KMS answer
    for (int i = 0; i < 7; i++) {
      decrypt(s, a, "u" + i);
    }
    assertThat(s.kmsCalls()).isEqualTo(3); // uses 1-3, 4-6, 7
    // age
    f.nanos.addAndGet(Duration.ofMinutes(5).toNanos());
    decrypt(s, a, "age");
    assertThat(s.kmsCalls()).isEqualTo(4);
    // entries: three EDKs cycling through a 2-entry cache always miss
    DataKey b = f.dataKey("acme", f.acmeKey);
    DataKey c = f.dataKey("acme", f.acmeKey);
    long before = s.kmsCalls();
    decrypt(s, b, "b1");
    decrypt(s, c, "c1");
    assertThat(s.cachedKeys()).isEqualTo(2);
    decrypt(s, a, "a2"); // a was evicted by b or c? a was cached most recently before b and c: evicted first
    assertThat(s.kmsCalls()).isEqualTo(before + 3);
    assertThat(s.cachedKeys()).isEqualTo(2);
    // caching off
    EnclaveService off = f.service(EnclaveServiceConfig.defaults()
        .withCache(new DataKeyCache.Limits(0, Duration.ofMinutes(5), 10)));
    decrypt(off, a, "o1");
    decrypt(off, a, "o2");
    assertThat(off.kmsCalls()).isEqualTo(2);
  }

  @Test
  void sessionsExpireAndAreBounded() throws Exception {
    EnclaveService s = f.service(EnclaveServiceConfig.defaults().withSessions(Duration.ofSeconds(60), 2));
    DataKey a = f.dataKey("acme", f.acmeKey);
    Decrypted d1 = s.decryptRequest(asTenant(f.seal(a, header("acme", f.acmeKey, "r-1"), "x").envelope(), "acme"));
    f.nanos.addAndGet(Duration.ofSeconds(61).toNanos());
    code(() -> s.encryptResponse(d1.sessionId(), new byte[1]), EnclaveErrorCode.UNKNOWN_SESSION);
    Decrypted d2 = s.decryptRequest(asTenant(f.seal(a, header("acme", f.acmeKey, "r-2"), "x").envelope(), "acme"));
    s.decryptRequest(asTenant(f.seal(a, header("acme", f.acmeKey, "r-3"), "x").envelope(), "acme"));
    byte[] third = f.seal(a, header("acme", f.acmeKey, "r-4"), "x").envelope();
    code(() -> s.decryptRequest(asTenant(third, "acme")), EnclaveErrorCode.ENCLAVE_UNAVAILABLE);
    s.encryptResponse(d2.sessionId(), new byte[1]);
    s.decryptRequest(asTenant(third, "acme"));
    assertThat(s.openSessions()).isEqualTo(2);
    f.nanos.addAndGet(Duration.ofSeconds(60).toNanos());
    assertThat(s.openSessions()).isZero();
    s.close();
    code(s::ping, EnclaveErrorCode.ENCLAVE_UNAVAILABLE);
  }

  @Test
  void configIsValidated() {
    assertThatThrownBy(() -> new DataKeyCache.Limits(-1, Duration.ofMinutes(1), 1))
        .hasMessage("maxEntries must be between 0 and 1000000, but was -1");
    assertThatThrownBy(() -> new DataKeyCache.Limits(1, Duration.ZERO, 1))
        .hasMessageContaining("maxAge must be a positive duration");
    assertThatThrownBy(() -> EnclaveServiceConfig.defaults().withSessions(Duration.ofSeconds(1), 0))
        .hasMessage("maxSessions must be between 1 and 1000000, but was 0");
  }

  private void decrypt(EnclaveService s, DataKey key, String rid) throws EnclaveException {
    Decrypted d = s.decryptRequest(asTenant(f.seal(key, header("acme", f.acmeKey, rid), rid).envelope(), "acme"));
    assertThat(new String(d.plaintext(), StandardCharsets.UTF_8)).isEqualTo(rid);
    s.encryptResponse(d.sessionId(), new byte[0]);
  }

  static void code(ThrowingCallable call, EnclaveErrorCode code) {
    assertThatThrownBy(call).isInstanceOf(EnclaveException.class)
        .satisfies(e -> assertThat(((EnclaveException) e).code()).as(e.getMessage()).isEqualTo(code));
  }
}
