package io.mrgc.cluster.containers;

import io.mrgc.enclave.client.EnclaveClient;
import io.mrgc.enclave.transport.UnixSocketTransport;
import java.nio.file.Path;

/**
 * What an agent does first with its enclave, run inside a container of the service image by {@link ImagesTest}: a
 * PING over the enclave protocol on the Unix socket that the enclave's container made in a shared volume. Prints
 * {@code PONG from unix:PATH} and exits 0, or prints why and exits 1.
 */
public final class EnclavePing {
  private EnclavePing() {}

  public static void main(String[] args) {
    Path socket = Path.of(args[0]);
    try (EnclaveClient client = new EnclaveClient(new UnixSocketTransport(socket))) {
      client.ping();
      System.out.println("PONG from unix:" + socket);
    } catch (Exception e) {
      System.out.println("no PONG from unix:" + socket + ": " + e);
      System.exit(1);
    }
  }
}
