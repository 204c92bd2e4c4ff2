package io.mrgc.agent.enclave;

import io.mrgc.carwash.steps.EnclaveControl;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.enclave.client.EnclaveCanary;
import io.mrgc.enclave.client.EnclaveClient;
import io.mrgc.enclave.client.EnclaveClientConfig;
import io.mrgc.enclave.transport.VsockTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's Nitro Enclave (mode aws): reached over vsock at its fixed CID and port, booted from its EIF by the
 * agent when it does not answer at start, restarted by the car wash ({@link NitroEnclaveControl}).
 */
public final class NitroEnclave implements EnclaveConnection {
  private static final Logger LOG = LoggerFactory.getLogger(NitroEnclave.class);

  private final EnclaveClient client;
  private final EnclaveCanary canary;
  private final NitroEnclaveControl control;

  /** {@code canary} (its data key from KMS, on the parent) is closed with this connection. */
  public NitroEnclave(NitroEnclaveControl.Settings settings, int port, EnclaveCanary canary) {
    this.client = new EnclaveClient(VsockTransport.toEnclave(settings.cid(), port), EnclaveClientConfig.defaults());
    this.canary = canary;
    this.control = new NitroEnclaveControl(settings, canary, client);
  }

  @Override
  public EnclaveHandler handler() {
    return client;
  }

  @Override
  public EnclaveControl control() {
    return control;
  }

  /** An enclave that answers is kept (an agent restart does not cost a fresh boot); otherwise it is (re)booted. */
  @Override
  public void ensureRunning() throws EnclaveException {
    try {
      client.ping();
      return;
    } catch (EnclaveException e) {
      LOG.info("no enclave answers at CID {} ({}); booting it", control.settings().cid(), e.getMessage());
    }
    try {
      control.restart();
    } catch (EnclaveException e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EnclaveException(EnclaveErrorCode.ENCLAVE_UNAVAILABLE, "interrupted while booting the enclave");
    } catch (Exception e) {
      throw new EnclaveException(EnclaveErrorCode.ENCLAVE_UNAVAILABLE, "the enclave could not be booted: "
          + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    client.close();
    canary.close();
  }
}
