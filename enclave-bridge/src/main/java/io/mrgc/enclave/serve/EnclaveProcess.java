package io.mrgc.enclave.serve;

import io.mrgc.common.config.Mode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.enclave.attestation.AttestationProvider;
import io.mrgc.enclave.attestation.LocalAttestationKeyFile;
import io.mrgc.enclave.attestation.LocalAttestationProvider;
import io.mrgc.enclave.attestation.NsmAttestationProvider;
import io.mrgc.enclave.kms.AwsKms;
import io.mrgc.enclave.kms.LocalKeyRing;
import io.mrgc.enclave.kms.RecipientKms;
import io.mrgc.enclave.server.EnclaveServer;
import io.mrgc.enclave.service.EnclaveService;
import io.mrgc.enclave.transport.Transport;
import io.mrgc.enclave.transport.UnixSocketTransport;
import io.mrgc.enclave.transport.VsockTransport;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Clock;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The enclave service running from its {@link EnclaveServeConfig}: its KMS, its attestation, the service holding the
 * keys, and the server on its listener. No Vert.x here: {@link io.mrgc.enclave.EnclaveMain} runs this inside the EIF.
 */
public final class EnclaveProcess {
  private final EnclaveServeConfig config;
  private final EnclaveService service;
  private final EnclaveServer server;

  private EnclaveProcess(EnclaveServeConfig config, EnclaveService service, EnclaveServer server) {
    this.config = config;
    this.service = service;
    this.server = server;
  }

  /** Boots the enclave service (a new RSA-2048 key pair) and listens; returns once connections are accepted. */
  public static EnclaveProcess start(EnclaveServeConfig config) throws IOException, EnclaveException {
    EnclaveService service = new EnclaveService(kms(config), attestation(config), config.service());
    Transport transport = config.mode() == Mode.AWS
        ? VsockTransport.enclaveListener(config.vsockPort())
        : new UnixSocketTransport(config.socket());
    EnclaveServer server = new EnclaveServer(transport, service);
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      service.close();
      throw e;
    }
    return new EnclaveProcess(config, service, server);
  }

  private static RecipientKms kms(EnclaveServeConfig config) throws IOException {
    if (config.mode() == Mode.AWS) {
      // Credentials come from the parent (an enclave has no instance metadata), through the environment it is given.
      return AwsKms.create(Region.of(config.region()), config.kmsEndpoint().orElse(null),
          DefaultCredentialsProvider.builder().build(), config.service().kmsTimeout());
    }
    KeyPair signing = LocalAttestationKeyFile.load(config.attestationKeyFile());
    return new LocalKeyRing(config.keyRingFile(), LocalAttestationProvider.localImageMeasurement(),
        signing.getPublic());
  }

  private static AttestationProvider attestation(EnclaveServeConfig config) throws IOException, EnclaveException {
    if (config.mode() == Mode.AWS) {
      return new NsmAttestationProvider();
    }
    return new LocalAttestationProvider(LocalAttestationProvider.localImageMeasurement(),
        LocalAttestationKeyFile.load(config.attestationKeyFile()), Clock.systemUTC());
  }

  /** Where it listens ({@code vsock:5000}, or the socket path). */
  public String endpoint() {
    return config.endpoint();
  }

  /** Stops listening, closes connections, drops the keys; returns a one-line account for the stop log. */
  public String stop() {
    long kmsCalls = service.kmsCalls();
    server.stop();
    service.close();
    return "enclave on " + endpoint() + " closed; " + kmsCalls + " KMS call(s) since it booted; its keys are gone";
  }
}
