package io.mrgc.common.net;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

/**
 * A raw TCP connection for tests that speak bytes to a listener: its socket, and a future that completes with all
 * it received once it closes (or fails).
 *
 * <p>The connect starts on an event loop and the handlers are set in its callback there, before any event of the
 * socket can run: a listener that closes at accept (a connection cap) would otherwise close the socket before a
 * handler set from the test thread could see it, and a callback registered from the test thread after the connect
 * had completed would run late, on the test thread.
 */
public record RawConnection(NetSocket socket, Future<String> closed) {

  /**
   * Connects with {@code client} (keep the client for the test: Vert.x closes a collected client with its
   * connections); {@code onOpen} runs on the event loop once the handlers are set.
   */
  public static Future<RawConnection> open(Vertx vertx, NetClient client, String host, int port,
      Handler<NetSocket> onOpen) {
    Promise<RawConnection> opened = Promise.promise();
    Promise<String> closed = Promise.promise();
    Buffer received = Buffer.buffer();
    vertx.runOnContext(v -> client.connect(port, host).map(socket -> {
      socket.handler(received::appendBuffer);
      socket.closeHandler(none -> closed.tryComplete(received.toString()));
      socket.exceptionHandler(error -> closed.tryComplete(received.toString()));
      onOpen.handle(socket);
      return new RawConnection(socket, closed.future());
    }).onComplete(opened));
    return opened.future();
  }

  public static Future<RawConnection> open(Vertx vertx, NetClient client, int port) {
    return open(vertx, client, "127.0.0.1", port, socket -> { });
  }
}
