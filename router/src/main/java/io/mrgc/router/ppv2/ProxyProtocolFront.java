package io.mrgc.router.ppv2;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.mrgc.common.net.ConnectionCap;
import io.mrgc.common.net.ListenerLimits;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The PROXY protocol v2 listener for the PrivateLink NLB. A connection from outside the {@link TrustedPeers} (the
 * NLB's subnets) is closed at accept, before a byte is read: whoever sends the header chooses the VPC endpoint id
 * the allowlist trusts. Every other connection must start with a valid PROXY v2 header within {@code headerTimeout},
 * else it is closed; at most {@code limits.maxConnections()} are open at once (the newest over it is closed at
 * accept) and a connection silent for {@code limits.idleTimeout()} is closed. The relayed requests then meet the
 * HTTP listener's own header, idle and request deadlines. After the header, the connection is relayed byte for byte (with
 * backpressure) over loopback to the router's own HTTP server, so its requests get exactly the same handling as on
 * the plain listener; the relay connection is registered in {@link ProxiedConnections} with the header (VPC endpoint
 * id) before its first byte is written, and removed when it closes.
 *
 * <p>Why a relay and not a Netty handler: Vert.x's built-in PROXY protocol support
 * ({@code HttpServerOptions.setUseProxyProtocol}) does not expose TLVs, and putting a handler into Vert.x's HTTP
 * pipeline relies on internals. The relay costs one loopback hop; it is small, uses only public Vert.x API and is
 * tested end to end with raw sockets.
 */
public final class ProxyProtocolFront {
  private final Vertx vertx;
  private final String host;
  private final int port;
  private final long headerTimeoutMillis;
  private final String targetHost;
  private final IntSupplier targetPort;
  private final ProxiedConnections connections;
  private final ListenerLimits limits;
  private final ConnectionCap cap;
  private final TrustedPeers trusted;
  private NetServer server;
  private NetClient relays;

  public ProxyProtocolFront(Vertx vertx, String host, int port, Duration headerTimeout, String targetHost,
      IntSupplier targetPort, ProxiedConnections connections, TrustedPeers trusted, ListenerLimits limits) {
    this.vertx = vertx;
    this.host = host;
    this.port = port;
    this.headerTimeoutMillis = headerTimeout.toMillis();
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.connections = connections;
    this.limits = limits;
    this.cap = new ConnectionCap(limits.maxConnections());
    this.trusted = trusted;
  }

  public Future<Integer> listen() {
    relays = vertx.createNetClient(new NetClientOptions().setConnectTimeout(1_000).setTcpNoDelay(true));
    server = vertx.createNetServer(new NetServerOptions().setHost(host).setPort(port).setTcpNoDelay(true)
            .setIdleTimeout((int) limits.idleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectHandler(this::accept);
    return server.listen().map(NetServer::actualPort);
  }

  public Future<Void> close() {
    if (server == null) {
      return Future.succeededFuture();
    }
    return server.close().eventually(() -> relays.close());
  }

  /**
   * Stops accepting connections; the relays open now go on until their HTTP side closes them (the tenant listener's
   * drain), at most {@code timeout}. {@link #close} ends whatever is left.
   */
  public Future<Void> stopAccepting(Duration timeout) {
    return server == null ? Future.succeededFuture() : server.shutdown(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public int actualPort() {
    return server.actualPort();
  }

  private void accept(NetSocket socket) {
    if (!trusted.trusts(socket.remoteAddress().hostAddress())) {
      socket.close(); // no handler was set: nothing of what it sent is read
      return;
    }
    if (!cap.tryOpen()) {
      socket.close(); // the newest connection over the cap goes; the relays already open keep working
      return;
    }
    new Connection(socket).start();
  }

  /** Connections closed at accept because the listener was full. */
  public long refusedConnections() {
    return cap.refused();
  }

  /** One client connection: reading the header, then connecting, then relaying. */
  private final class Connection {
    private final NetSocket client;
    private final Buffer head = Buffer.buffer(64);
    private long timer;
    private boolean headerDone;
    private boolean closed;

    Connection(NetSocket client) {
      this.client = client;
    }

    void start() {
      timer = vertx.setTimer(headerTimeoutMillis, id -> {
        if (!headerDone) {
          client.close();
        }
      });
      client.closeHandler(v -> {
        closed = true;
        vertx.cancelTimer(timer);
        cap.closed();
      });
      client.exceptionHandler(error -> client.close());
      client.handler(this::onHeaderBytes);
    }

    private void onHeaderBytes(Buffer chunk) {
      if (headerDone) {
        return;
      }
      // Keep at most MAX_HEADER_BYTES: the parser decides within them.
      int take = Math.min(chunk.length(), ProxyProtocolV2.MAX_HEADER_BYTES - head.length());
      head.appendBuffer(chunk, 0, take);
      ProxyProtocolV2.Result result = ProxyProtocolV2.parse(head);
      if (result instanceof ProxyProtocolV2.Incomplete) {
        if (take < chunk.length()) { // cannot happen: the parser decides within the bound
          client.close();
        }
        return;
      }
      headerDone = true;
      vertx.cancelTimer(timer);
      if (!(result instanceof ProxyProtocolV2.Parsed parsed)) {
        client.close(); // malformed: close without an answer (the client is not speaking PROXY v2)
        return;
      }
      ProxyProtocolV2.Header header = parsed.header();
      Buffer rest = head.getBuffer(header.length(), head.length());
      if (take < chunk.length()) {
        rest.appendBuffer(chunk, take, chunk.length() - take);
      }
      client.pause();
      relays.connect(targetPort.getAsInt(), targetHost).onComplete(connected -> {
        if (connected.failed()) {
          client.close();
          return;
        }
        NetSocket relay = connected.result();
        if (closed) {
          relay.close();
          return;
        }
        relay(relay, header, rest);
      });
    }

    private void relay(NetSocket relay, ProxyProtocolV2.Header header, Buffer rest) {
      SocketAddress relayAddress = relay.localAddress();
      connections.register(relayAddress, header);
      relay.closeHandler(v -> {
        connections.remove(relayAddress);
        client.close();
      });
      relay.exceptionHandler(error -> relay.close());
      client.closeHandler(v -> {
        cap.closed();
        relay.close();
      });
      client.exceptionHandler(error -> client.close());
      pipe(client, relay);
      pipe(relay, client);
      if (rest.length() > 0) {
        relay.write(rest);
      }
      client.resume();
    }
  }

  private static void pipe(NetSocket from, NetSocket to) {
    from.handler(chunk -> {
      to.write(chunk);
      if (to.writeQueueFull()) {
        from.pause();
        to.drainHandler(v -> from.resume());
      }
    });
  }
}
