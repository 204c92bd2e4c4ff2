package io.mrgc.agent.service;

import io.mrgc.agent.enclave.EnclaveConnection;
import io.mrgc.agent.enclave.LocalEnclave;
import io.mrgc.agent.enclave.NitroEnclave;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.enclave.attestation.LocalAttestationKeyFile;
import io.mrgc.enclave.attestation.LocalAttestationProvider;
import io.mrgc.enclave.client.EnclaveCanary;
import io.mrgc.tenant.KmsDataKeys;
import io.mrgc.enclave.kms.LocalKeyRing;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Clock;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/** Opens the agent's enclave connection its {@link AgentEnclaveConfig} describes (blocking: files, KMS). */
final class EnclaveConnections {
  private EnclaveConnections() {}

  static EnclaveConnection open(AgentEnclaveConfig config, String region) throws IOException, EnclaveException {
    return switch (config.transport()) {
      case UNIX -> EnclaveConnection.unix(config.socket());
      case VSOCK -> {
        // The parent's own KMS call: a data key of the canary tenant, whose plaintext the parent may hold.
        KmsDataKeys kms = KmsDataKeys.create(Region.of(region), DefaultCredentialsProvider.builder().build());
        yield new NitroEnclave(config.nitro(), config.port(), new EnclaveCanary(kms, config.canaryKeyId()));
      }
      case EMBEDDED -> embedded(config);
    };
  }

  /** The local enclave in this process, trusted by the key ring exactly as mrgc serve enclave is (the same files). */
  private static EnclaveConnection embedded(AgentEnclaveConfig config) throws IOException, EnclaveException {
    KeyPair signing = LocalAttestationKeyFile.load(config.attestationKeyFile());
    byte[] image = LocalAttestationProvider.localImageMeasurement();
    LocalKeyRing keyRing = new LocalKeyRing(config.keyRingFile(), image, signing.getPublic());
    EnclaveCanary canary = new EnclaveCanary(keyRing, config.canaryKeyId());
    return new LocalEnclave(config.socket(), keyRing, new LocalAttestationProvider(image, signing, Clock.systemUTC()),
        canary).alsoClosing(canary);
  }
}
