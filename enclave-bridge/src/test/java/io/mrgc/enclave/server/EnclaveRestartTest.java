package io.mrgc.enclave.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.enclave.Decrypted;
import io.mrgc.enclave.client.EnclaveClient;
import io.mrgc.enclave.service.EnclaveService;
import io.mrgc.enclave.service.Fixture;
import io.mrgc.enclave.transport.UnixSocketTransport;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.envelope.EnvelopeHeader;
import io.mrgc.wire.keys.DataKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 7 of issue #10 over the real protocol: the enclave dies between opening a request and sealing its answer.
 * What the parent's client reports must be ENCLAVE_UNAVAILABLE (the node agent answers 503 with Retry-After, which
 * the SDK retries in a new envelope), whether the enclave is still down or already back with an empty session table.
 * Before the boot id in session ids, the restarted enclave's UNKNOWN_SESSION reached the tenant as a 400.
 */
class EnclaveRestartTest {
  @TempDir Path dir;
  private EnclaveServer server;
  private EnclaveService service;
  private EnclaveClient client;

  @AfterEach
  void tearDown() {
    client.close();
    stopEnclave();
  }

  private void startEnclave(Fixture f, UnixSocketTransport transport) throws Exception {
    service = f.service();
    server = new EnclaveServer(transport, service);
    server.start();
  }

  private void stopEnclave() {
    if (server != null) {
      server.stop();
      service.close();
      server = null;
    }
  }

  @Test
  void aCrashBetweenDecryptAndSealIsEnclaveUnavailable() throws Exception {
    Fixture f = new Fixture(dir);
    UnixSocketTransport transport = new UnixSocketTransport(dir.resolve("enclave.sock"));
    startEnclave(f, transport);
    client = new EnclaveClient(transport);
    DataKey key = f.dataKey("acme", f.acmeKey);

    Decrypted first = client.decryptRequest(Fixture.asTenant(sealed(f, key, "r-1"), "acme"));
    stopEnclave();
    assertUnavailable(() -> client.encryptResponse(first.sessionId(), bytes("answer")), "");

    startEnclave(f, transport);
    Decrypted lost = client.decryptRequest(Fixture.asTenant(sealed(f, key, "r-2"), "acme"));
    stopEnclave();
    startEnclave(f, transport); // back, with no sessions
    assertUnavailable(() -> client.encryptResponse(lost.sessionId(), bytes("answer")), "restarted");

    // the tenant's retry (a new envelope) is served by the new enclave
    Decrypted retry = client.decryptRequest(Fixture.asTenant(sealed(f, key, "r-2.2"), "acme"));
    assertThat(retry.plaintext()).isEqualTo(bytes("r-2.2"));
    client.encryptResponse(retry.sessionId(), bytes("answer"));
  }

  private static byte[] sealed(Fixture f, DataKey key, String rid) throws EnclaveException {
    return f.tenant.sealRequest(key.plaintext(), key.edk(),
        new EnvelopeHeader("acme", f.acmeKey, Fixture.MODEL, Fixture.PATH, rid), bytes(rid)).envelope();
  }

  private static void assertUnavailable(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String says) {
    assertThatThrownBy(call).hasMessageContaining(says).isInstanceOfSatisfying(EnclaveException.class, e -> {
      assertThat(e.code()).isEqualTo(EnclaveErrorCode.ENCLAVE_UNAVAILABLE);
      assertThat(e.code().httpStatus()).isEqualTo(503);
    });
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
