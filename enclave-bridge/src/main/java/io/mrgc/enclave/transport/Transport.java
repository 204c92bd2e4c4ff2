package io.mrgc.enclave.transport;

import java.io.IOException;

/**
 * Where the enclave is: an endpoint that the parent connects to and the enclave listens on. Implementations: {@link
 * UnixSocketTransport} (locally and in tests) and {@link VsockTransport} (parent <-> Nitro Enclave).
 */
public interface Transport {
  /** Opens a connection to the endpoint; blocks at most the transport's connect timeout. */
  Connection connect() throws IOException;

  /** Starts listening on the endpoint. */
  Listener listen() throws IOException;

  /** A short human-readable name of the endpoint for logs (no secrets). */
  String describe();
}
