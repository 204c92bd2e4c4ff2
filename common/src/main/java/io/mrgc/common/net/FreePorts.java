package io.mrgc.common.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * A loopback port free now, for a process started next that must be told its port in advance (a generated config
 * file); another process may still take it in between, which the started one then reports as a bind failure.
 */
public final class FreePorts {
  private FreePorts() {}

  public static int loopback() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }
}
