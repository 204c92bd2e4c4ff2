package io.mrgc.router.ppv2;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The relay connections the PROXY v2 front has open to the router's HTTP server, keyed by the relay's local
 * {@code host:port} (which is the remote address the HTTP server sees). While a relay connection is open no other
 * connection to the HTTP server can have that remote address, so a request's connection finds its PROXY header
 * here, or nothing when it came straight to the plain listener.
 */
public final class ProxiedConnections {
  private final ConcurrentHashMap<String, ProxyProtocolV2.Header> byRelayAddress = new ConcurrentHashMap<>();

  void register(SocketAddress relayLocalAddress, ProxyProtocolV2.Header header) {
    byRelayAddress.put(key(relayLocalAddress), header);
  }

  void remove(SocketAddress relayLocalAddress) {
    byRelayAddress.remove(key(relayLocalAddress));
  }

  /** The PROXY v2 header the connection came with, or null for a connection to the plain listener. */
  public ProxyProtocolV2.Header headerOf(HttpConnection connection) {
    if (byRelayAddress.isEmpty() || connection == null || connection.remoteAddress() == null) {
      return null;
    }
    return byRelayAddress.get(key(connection.remoteAddress()));
  }

  /** Relay connections open now. */
  public int size() {
    return byRelayAddress.size();
  }

  private static String key(SocketAddress address) {
    return address.hostAddress() + "|" + address.port();
  }
}
