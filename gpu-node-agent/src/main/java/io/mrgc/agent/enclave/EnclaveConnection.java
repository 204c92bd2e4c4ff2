package io.mrgc.agent.enclave;

import io.mrgc.carwash.steps.EnclaveControl;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.enclave.client.EnclaveClient;
import io.mrgc.enclave.client.EnclaveClientConfig;
import io.mrgc.enclave.transport.UnixSocketTransport;
import java.nio.file.Path;

/**
 * How a node agent reaches its enclave ({@link #handler()}: the parent-side client) and, where it can, restarts it
 * ({@link #control()}: the car wash's fresh attestation). Three kinds: a Nitro Enclave over vsock
 * ({@link NitroEnclave}), an enclave process on a Unix socket ({@link #unix}), the local enclave in this process
 * ({@link LocalEnclave}).
 */
public interface EnclaveConnection extends AutoCloseable {
  EnclaveHandler handler();

  /** Null when this agent cannot restart its enclave: a restart that comes due then quarantines the instance. */
  EnclaveControl control();

  /** Before the agent serves: boots the enclave when this agent owns it and it is not running (blocking). */
  default void ensureRunning() throws EnclaveException {}

  @Override
  void close();

  /** This connection, closing {@code other} too (what was opened for it alone: its canary's data key). */
  default EnclaveConnection alsoClosing(AutoCloseable other) {
    EnclaveConnection self = this;
    return new EnclaveConnection() {
      @Override
      public EnclaveHandler handler() {
        return self.handler();
      }

      @Override
      public EnclaveControl control() {
        return self.control();
      }

      @Override
      public void ensureRunning() throws EnclaveException {
        self.ensureRunning();
      }

      @Override
      public void close() {
        self.close();
        try {
          other.close();
        } catch (Exception e) {
          // closing on the way out: nothing left to do about it
        }
      }
    };
  }

  /** An enclave process of its own ({@code mrgc serve enclave}, mode local): reached, never restarted, by the agent. */
  static EnclaveConnection unix(Path socket) {
    EnclaveClient client = new EnclaveClient(new UnixSocketTransport(socket), EnclaveClientConfig.defaults());
    return new EnclaveConnection() {
      @Override
      public EnclaveHandler handler() {
        return client;
      }

      @Override
      public EnclaveControl control() {
        return null;
      }

      @Override
      public void close() {
        client.close();
      }
    };
  }
}
