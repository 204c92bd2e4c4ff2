package io.mrgc.common.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The listener guard on a bare Vert.x HTTP server, over raw sockets: each deadline closes what Vert.x alone keeps
 * open forever (bytes keep dripping, so its idle timeout never fires), and the cap closes the newest connection.
 */
class HttpListenerGuardTest {
  private static final ListenerLimits SHORT = new ListenerLimits(Duration.ofMillis(300), Duration.ofMinutes(1),
      Duration.ofMillis(500), 3);
  private final Vertx vertx = Vertx.vertx();
  /** One client, kept for the whole test: Vert.x closes a garbage-collected client together with its connections. */
  private final NetClient client = vertx.createNetClient();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private record Started(HttpListenerGuard guard, int port) {}

  private Started start(ListenerLimits limits, Handler<HttpServerRequest> handler) throws Exception {
    HttpListenerGuard guard = new HttpListenerGuard(vertx, limits);
    HttpServer server = guard.install(vertx.createHttpServer(guard.serverOptions(new HttpServerOptions())), handler);
    return new Started(guard, server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort());
  }

  /** A raw connection; the future completes with all it received when it closes. */
  private Future<String> connect(int port, Handler<NetSocket> onOpen) throws Exception {
    return RawConnection.open(vertx, client, "127.0.0.1", port, onOpen).await(10, TimeUnit.SECONDS).closed();
  }

  private static String await(Future<String> future) throws Exception {
    return future.await(20, TimeUnit.SECONDS);
  }

  @Test
  void aDrippedHeadIsClosedAtTheHeaderDeadline() throws Exception {
    // Proves the header-read deadline: without it this connection stays open as long as it drips.
    Started started = start(SHORT, request -> request.response().end("ok"));
    long[] drip = {0};
    String received = await(connect(started.port(), socket -> {
      socket.write("GET / HTTP/1.1\r\nHost: x\r\nx-slow: ");
      drip[0] = vertx.setPeriodic(50, id -> socket.write("a"));
    }));
    vertx.cancelTimer(drip[0]);
    assertThat(received).isEmpty();
    assertThat(started.guard().headTimeouts()).isEqualTo(1);
  }

  @Test
  void aRequestNotAnsweredWithinTheRequestTimeoutIsClosed() throws Exception {
    // Proves the total bound on one request: the handler never answers.
    Started started = start(SHORT, request -> { });
    String received = await(connect(started.port(), socket -> socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
    assertThat(received).isEmpty();
    assertThat(started.guard().requestTimeouts()).isEqualTo(1);
  }

  @Test
  void aBodyStillDrippingAfterTheAnswerIsClosedAtTheHeaderDeadline() throws Exception {
    // Proves the draining deadline: an answered request whose client keeps dripping the body (as through a proxy
    // that answered early) loses its connection instead of holding it.
    Started started = start(SHORT, request -> request.response().end("early"));
    long[] drip = {0};
    String received = await(connect(started.port(), socket -> {
      socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nab");
      drip[0] = vertx.setPeriodic(50, id -> socket.write("a"));
    }));
    vertx.cancelTimer(drip[0]);
    assertThat(received).startsWith("HTTP/1.1 200").endsWith("early");
    assertThat(started.guard().headTimeouts()).isEqualTo(1);
  }

  @Test
  void keptAliveConnectionsServeManyRequestsAndTheNewestOverTheCapIsClosed() throws Exception {
    Started started = start(SHORT.withHeaderTimeout(Duration.ofMinutes(1)), request -> request.response().end("ok"));
    NetSocket[] first = {null};
    Future<String> kept = connect(started.port(), socket -> first[0] = socket);
    connect(started.port(), socket -> { });
    connect(started.port(), socket -> { });
    long deadline = System.currentTimeMillis() + 10_000;
    while (started.guard().openConnections() < 3 && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(started.guard().openConnections()).isEqualTo(3);
    assertThat(await(connect(started.port(), socket -> { }))).as("the fourth, over the cap of 3").isEmpty();
    assertThat(started.guard().refusedConnections()).isEqualTo(1);

    first[0].write("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(await(kept)).as("two answers on a kept-alive connection")
        .containsPattern("(?s)HTTP/1.1 200.*HTTP/1.1 200");
  }
}
