package io.mrgc.common.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A loopback port free now, for a process started next that must be told its port in advance (a generated config
 * file); another process may still take it in between, which the started one then reports as a bind failure.
 *
 * <p>Ports are picked at random in {@value #LOWEST}..{@value #HIGHEST}, below Linux's ephemeral range (32768 and
 * up): a port the kernel hands out for port 0 or an outgoing connection's local end (many, on a busy test machine)
 * is taken from the ephemeral range, so a port from there could be gone before the process binds it (seen: a router
 * process's "Address already in use"). A port is handed out once per JVM.
 */
public final class FreePorts {
  static final int LOWEST = 20_000;
  static final int HIGHEST = 32_000;
  private static final int ATTEMPTS = 200;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  public static int loopback() {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST + 1);
      if (!HANDED_OUT.add(port)) {
        continue;
      }
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(loopback, port), 1);
        return port;
      } catch (IOException taken) {
        // in use: try another
      }
    }
    throw new UncheckedIOException(new IOException("no free loopback port in " + LOWEST + ".." + HIGHEST + " after "
        + ATTEMPTS + " attempts"));
  }
}
