package io.mrgc.router;

import static io.mrgc.router.FakeAgent.await;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

/** Test helper: raw TCP exchanges with a router listener (PROXY v2 headers, hand-written HTTP). */
final class RawConnections {
  private RawConnections() {}

  /**
   * Connects from {@code localAddress} (null: any) to 127.0.0.1:{@code port}, sends {@code bytes} in one write and
   * returns all it got back before the connection closed.
   */
  static String exchange(Vertx vertx, String localAddress, int port, Buffer bytes) {
    NetClientOptions options = new NetClientOptions();
    if (localAddress != null) {
      options.setLocalAddress(localAddress);
    }
    NetClient net = vertx.createNetClient(options);
    try {
      Promise<String> answer = Promise.promise();
      Buffer received = Buffer.buffer();
      // Handlers are set in the connect callback, on the socket's event loop: a listener that closes the connection
      // at once (an untrusted PROXY peer) cannot close it before the close handler is there.
      net.connect(port, "127.0.0.1").onFailure(answer::tryFail).onSuccess(socket -> {
        socket.handler(received::appendBuffer);
        socket.closeHandler(v -> answer.tryComplete(received.toString()));
        socket.exceptionHandler(error -> answer.tryComplete(received.toString()));
        socket.write(bytes);
      });
      return await(answer.future());
    } finally {
      net.close();
    }
  }
}
