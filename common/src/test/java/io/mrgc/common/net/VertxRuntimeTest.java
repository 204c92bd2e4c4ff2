package io.mrgc.common.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.Channel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetServer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class VertxRuntimeTest {
  /** Where common's native jars apply (Linux x86_64, aarch64), epoll must really load: else the build lost them. */
  private static boolean epollExpected() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch");
    return os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"));
  }

  @Test
  void preferNativeRunsOnEpollWhereItShips() throws Exception {
    assumeTrue(epollExpected(), "epoll ships for Linux x86_64 and aarch64 only");
    assertThat(VertxRuntime.epollUnavailabilityCause()).isNull();
    assertRunsOn(true, VertxRuntime.EPOLL, "EpollServerSocketChannel");
  }

  @Test
  void withoutPreferNativeItRunsOnNio() throws Exception {
    assertRunsOn(false, VertxRuntime.NIO, "NioServerSocketChannel");
  }

  private static void assertRunsOn(boolean preferNative, String transport, String serverChannel) throws Exception {
    Vertx vertx = VertxRuntime.create(new VertxOptions().setEventLoopPoolSize(1), preferNative);
    try {
      assertThat(vertx.isNativeTransportEnabled()).isEqualTo(preferNative);
      assertThat(VertxRuntime.transportName(vertx)).isEqualTo(transport);
      assertThat(serverChannelClass(vertx)).isEqualTo(serverChannel);
      assertServes(vertx);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aPlainVertxIsReportedAsNio() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      assertThat(VertxRuntime.transportName(vertx)).isEqualTo(VertxRuntime.NIO);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** The class of the server channel the transport opens: what a listener of this Vertx really runs on. */
  private static String serverChannelClass(Vertx vertx) {
    Channel channel = ((VertxInternal) vertx).transport().serverChannelFactory(false).newChannel();
    try {
      return channel.getClass().getSimpleName();
    } finally {
      channel.unsafe().closeForcibly(); // never registered to an event loop: close() would need one
    }
  }

  /** A listener on the transport accepts a connection and echoes: the transport works, not only loads. */
  private static void assertServes(Vertx vertx) throws Exception {
    NetServer server = vertx.createNetServer().connectHandler(socket -> socket.handler(socket::write));
    int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
        .actualPort();
    String echoed = vertx.createNetClient().connect(port, "127.0.0.1")
        .compose(socket -> {
          var reply = io.vertx.core.Promise.<String>promise();
          socket.handler(buffer -> reply.tryComplete(buffer.toString()));
          return socket.write("ping").compose(v -> reply.future());
        })
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(echoed).isEqualTo("ping");
  }
}
