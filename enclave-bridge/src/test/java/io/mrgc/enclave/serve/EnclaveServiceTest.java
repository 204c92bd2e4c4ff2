package io.mrgc.enclave.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.common.config.ConfigSource;
import io.mrgc.common.service.Service;
import io.mrgc.common.service.ServiceRunner;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.enclave.attestation.LocalAttestationKeyFile;
import io.mrgc.enclave.attestation.LocalAttestationProvider;
import io.mrgc.enclave.client.EnclaveCanary;
import io.mrgc.enclave.client.EnclaveClient;
import io.mrgc.enclave.kms.LocalKeyRing;
import io.mrgc.enclave.transport.UnixSocketTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mrgc serve enclave in mode local, from its file alone: it listens on its Unix socket and serves the protocol. */
class EnclaveServiceTest {
  @TempDir
  Path dir;

  @Test
  void startsFromItsFileAnswersAPingAndOpensAnEnvelopeUnderTheSharedKeys() throws Exception {
    Path socket = dir.resolve("enclave.sock");
    Path keyRing = dir.resolve("keyring.json");
    Path attestationKey = dir.resolve("attestation-key.pem");
    LocalAttestationKeyFile.save(attestationKey, LocalAttestationProvider.newSigningKey());
    Path file = Files.writeString(dir.resolve("enclave.yaml"), """
        mode: local
        listener:
          socket: %s
        local:
          keyRingFile: %s
          attestationKeyFile: %s
        """.formatted(socket, keyRing, attestationKey));
    EnclaveServiceDefinition definition = new EnclaveServiceDefinition();
    Service service = definition.create(
        ServiceRunner.load(definition, ConfigSource.load(file, Map.of())).config(), null);
    service.start().await(30, TimeUnit.SECONDS);
    try (EnclaveClient client = new EnclaveClient(new UnixSocketTransport(socket))) {
      client.ping();
      // Another process of the deployment (the agent's canary) with the same key ring file: the enclave's
      // attestation, signed with the key from the file, is what that key ring trusts.
      String canaryKey = new LocalKeyRing(keyRing, null).createKey(EnclaveCanary.TENANT);
      try (EnclaveCanary canary = new EnclaveCanary(new LocalKeyRing(keyRing, null), canaryKey)) {
        canary.prove(client);
      }
      String account = service.stop(Duration.ofSeconds(5)).await(10, TimeUnit.SECONDS);
      assertThat(account).isEqualTo("enclave on " + socket + " closed; 1 KMS call(s) since it booted; its keys "
          + "are gone");
      assertThatThrownBy(client::ping).isInstanceOf(EnclaveException.class);
    }
  }
}
