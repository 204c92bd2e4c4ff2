package io.mrgc.agent.enclave;

import io.mrgc.carwash.steps.EnclaveControl;
import io.mrgc.enclave.attestation.AttestationProvider;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.enclave.client.EnclaveCanary;
import io.mrgc.enclave.client.EnclaveClient;
import io.mrgc.enclave.client.EnclaveClientConfig;
import io.mrgc.enclave.kms.RecipientKms;
import io.mrgc.enclave.server.EnclaveServer;
import io.mrgc.enclave.service.EnclaveService;
import io.mrgc.enclave.service.EnclaveServiceConfig;
import io.mrgc.enclave.transport.UnixSocketTransport;
import io.mrgc.wire.enclave.EnclaveException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One node agent's enclave in local mode: the same EnclaveService and EnclaveServer that run inside a Nitro Enclave,
 * here in this process behind a Unix domain socket, with the local key ring as KMS and local (INSECURE) attestation.
 * The agent reaches it through {@link #client()}, exactly as it reaches a real enclave over vsock. Used by
 * {@code mrgc up} (LocalCluster) and by {@code mrgc serve agent} with {@code enclave.transport: embedded}.
 */
public final class LocalEnclave implements EnclaveConnection, EnclaveControl {
  private static final EnclaveClientConfig CLIENT = EnclaveClientConfig.defaults();
  /** The enclave's KMS deadline must end before the agent's call to it does (checked here, where both meet). */
  private static final EnclaveServiceConfig SERVICE = EnclaveServiceConfig.defaults().requireCompatibleWith(CLIENT);

  private final Path socket;
  private final EnclaveCanary canary;
  private final RecipientKms kms;
  private final AttestationProvider attestation;
  private final EnclaveClient client;
  private EnclaveService service;
  private EnclaveServer server;
  /** Restarts the car wash asked for (chaos tests tell a restart by the agent from one of their own). */
  private final AtomicLong restarts = new AtomicLong();

  /**
   * Not started: {@code kms} is the enclave's KMS (the local key ring with the enclave policy), {@code attestation}
   * signs its documents, {@code canary} proves a restarted enclave.
   */
  public LocalEnclave(Path socket, RecipientKms kms, AttestationProvider attestation, EnclaveCanary canary) {
    this.socket = socket;
    this.canary = canary;
    this.kms = kms;
    this.attestation = attestation;
    this.client = new EnclaveClient(new UnixSocketTransport(socket), CLIENT);
  }

  /** Boots the enclave: a new RSA key pair, empty caches (as a restarted enclave has). */
  public synchronized LocalEnclave start() {
    if (server != null) {
      return this;
    }
    try {
      Files.createDirectories(socket.getParent());
      service = new EnclaveService(kms, attestation, SERVICE);
      server = new EnclaveServer(new UnixSocketTransport(socket), service);
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("local enclave did not start on " + socket, e);
    }
    return this;
  }

  /** Stops the enclave as if it died: its keys and sessions are gone, the agent's calls fail until it restarts. */
  public synchronized void stop() {
    if (server != null) {
      server.stop();
      service.close();
      server = null;
      service = null;
    }
  }

  /**
   * What the car wash calls for a fresh attestation: stop, boot a new enclave (new key pair, empty caches), and
   * return only when the canary proves it: its first KMS decrypt (a new attestation document) succeeded.
   */
  @Override
  public void restart() throws EnclaveException {
    restarts.incrementAndGet();
    stop();
    start();
    canary.prove(client);
  }

  /** The parent-side handler the node agent uses. */
  public EnclaveClient client() {
    return client;
  }

  @Override
  public EnclaveHandler handler() {
    return client;
  }

  @Override
  public EnclaveControl control() {
    return this;
  }

  @Override
  public void ensureRunning() {
    start();
  }

  /** How many times the agent's car wash restarted this enclave. */
  public long restarts() {
    return restarts.get();
  }

  /** KMS calls made by the running enclave since it booted (0 when stopped). */
  public synchronized long kmsCalls() {
    return service == null ? 0 : service.kmsCalls();
  }

  @Override
  public void close() {
    stop();
    client.close();
  }
}
