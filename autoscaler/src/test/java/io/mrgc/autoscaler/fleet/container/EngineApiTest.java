package io.mrgc.autoscaler.fleet.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.autoscaler.fleet.container.EngineApi.EngineException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine client's HTTP over a fake engine on a Unix socket: bodies, chunks, errors, bounds. */
class EngineApiTest {
  @TempDir
  Path dir;
  private ServerSocketChannel server;
  private Thread thread;
  /** The raw requests the fake engine received (head and body). */
  private final List<String> requests = new CopyOnWriteArrayList<>();

  /** A fake engine answering each request (its text) with the bytes {@code answer} returns, then closing. */
  private EngineApi serve(Function<String, String> answer, int maxResponseBytes, Duration timeout) throws IOException {
    Path socket = dir.resolve("engine.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    thread = new Thread(() -> {
      while (server.isOpen()) {
        try (SocketChannel client = server.accept()) {
          String request = readRequest(client);
          requests.add(request);
          String response = answer.apply(request);
          if (response != null) {
            client.write(ByteBuffer.wrap(response.getBytes(StandardCharsets.UTF_8)));
          } else {
            Thread.sleep(timeout.toMillis() + 500); // never answer
          }
        } catch (IOException | InterruptedException e) {
          return;
        }
      }
    }, "fake-engine");
    thread.setDaemon(true);
    thread.start();
    return new EngineApi(socket, timeout, maxResponseBytes);
  }

  private EngineApi serve(Function<String, String> answer) throws IOException {
    return serve(answer, 4096, Duration.ofSeconds(5));
  }

  /** Head up to the blank line, then Content-Length bytes of body. */
  private static String readRequest(SocketChannel client) throws IOException {
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(1024);
    while (true) {
      String text = in.toString(StandardCharsets.UTF_8);
      int end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        int length = 0;
        for (String line : text.substring(0, end).split("\r\n")) {
          if (line.toLowerCase().startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
        if (in.size() >= end + 4 + length) {
          return text;
        }
      }
      buffer.clear();
      if (client.read(buffer) < 0) {
        return in.toString(StandardCharsets.UTF_8);
      }
      in.write(buffer.array(), 0, buffer.position());
    }
  }

  /** A response with Content-Length. */
  private static String answer(String status, String body) {
    return "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
  }

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aContentLengthBodyIsReadAndTheRequestCarriesHostAndLength() throws Exception {
    EngineApi api = serve(request -> answer("201 Created", "{\"Id\":\"abc123\",\"Warnings\":[]}"));
    String id = api.createContainer("mrgc-us-east-1-i-1", EngineApi.object().put("Image", "x"));
    assertThat(id).isEqualTo("abc123");
    String request = requests.get(0);
    assertThat(request).startsWith("POST /v1.41/containers/create?name=mrgc-us-east-1-i-1 HTTP/1.1\r\n")
        .contains("\r\nHost: docker\r\n").contains("\r\nContent-Length: 13\r\n")
        .contains("\r\nContent-Type: application/json\r\n").endsWith("\r\n\r\n{\"Image\":\"x\"}");
  }

  @Test
  void aChunkedBodyIsJoinedAcrossChunksWithExtensionsAndTrailers() throws Exception {
    EngineApi api = serve(request -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5\r\n[{\"Id\r\n" + "b;ext=1\r\n\":\"c1\"},{\"I\r\n" + "9\r\nd\":\"c2\"}]\r\n" + "0\r\nX-Trailer: t\r\n\r\n");
    List<String> ids = api.list(Map.of("io.mrgc.region", "us-east-1")).stream().map(c -> c.path("Id").asText())
        .toList();
    assertThat(ids).containsExactly("c1", "c2");
    assertThat(requests.get(0)).startsWith("GET /v1.41/containers/json?all=true&filters=%7B%22label%22%3A%5B%22"
        + "io.mrgc.region%3Dus-east-1%22%5D%7D HTTP/1.1\r\n");
  }

  @Test
  void aBodyWithoutLengthIsReadToTheEnd() throws Exception {
    EngineApi api = serve(request -> "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nOK");
    assertThat(api.ping()).isEqualTo("OK");
  }

  @Test
  void anErrorCarriesTheStatusAndTheEnginesMessage() throws Exception {
    EngineApi api = serve(request -> answer("409 Conflict",
        "{\"cause\":\"name in use\",\"message\":\"the name mrgc-a is in use\",\"response\":409}"));
    assertThatThrownBy(() -> api.createContainer("mrgc-a", EngineApi.object()))
        .isInstanceOfSatisfying(EngineException.class, e -> {
          assertThat(e.status()).isEqualTo(409);
          assertThat(e.engineMessage()).isEqualTo("the name mrgc-a is in use");
          assertThat(e.getMessage()).isEqualTo("create container mrgc-a: HTTP 409: the name mrgc-a is in use");
        });
  }

  @Test
  void aNonJsonErrorBodyIsTheMessageAndA404IsAnAnswer() throws Exception {
    EngineApi api = serve(request -> request.contains("/images/")
        ? "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nno image\n"
        : "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\nboom\n");
    assertThat(api.imageExists("localhost/mrgc:dev")).isFalse();
    assertThatThrownBy(() -> api.start("c1")).isInstanceOfSatisfying(EngineException.class, e -> {
      assertThat(e.status()).isEqualTo(500);
      assertThat(e.getMessage()).isEqualTo("start c1: HTTP 500: boom");
    });
    assertThat(requests.get(0)).startsWith("GET /v1.41/images/localhost%2Fmrgc%3Adev/json HTTP/1.1\r\n");
    assertThat(requests.get(1)).startsWith("POST /v1.41/containers/c1/start HTTP/1.1\r\n")
        .contains("Content-Length: 0\r\n");
  }

  @Test
  void noContentAndNotModifiedHaveNoBody() throws Exception {
    EngineApi api = serve(request -> request.startsWith("POST /v1.41/containers/c1/stop?t=3 ")
        ? "HTTP/1.1 304 Not Modified\r\n\r\n" : "HTTP/1.1 204 No Content\r\n\r\n");
    api.stop("c1", Duration.ofMillis(2500));
    assertThat(api.remove("c1")).isTrue();
    assertThat(requests.get(1)).startsWith("DELETE /v1.41/containers/c1?force=true&v=true HTTP/1.1\r\n");
  }

  @Test
  void aResponseOverTheCapIsRefusedWhateverItsFraming() throws Exception {
    String big = "x".repeat(5000);
    EngineApi api = serve(request -> request.contains("c1") ? "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + big
        : request.contains("c2") ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1388\r\n" + big + "\r\n0\r\n\r\n"
        : "HTTP/1.1 200 OK\r\n\r\n" + big);
    for (String container : List.of("c1", "c2", "c3")) {
      assertThatThrownBy(() -> api.inspect(container)).isInstanceOf(EngineException.class)
          .hasMessage("GET /containers/" + container + "/json: response body over 4096 bytes");
    }
  }

  @Test
  void garbageAndSilenceAreErrorsWithStatusZero() throws Exception {
    EngineApi api = serve(request -> request.contains("_ping") ? "SSH-2.0-OpenSSH\r\n\r\n" : null, 4096,
        Duration.ofMillis(300));
    assertThatThrownBy(api::ping).isInstanceOfSatisfying(EngineException.class, e -> {
      assertThat(e.status()).isZero();
      assertThat(e.getMessage()).isEqualTo("GET /_ping: not an HTTP response: 'SSH-2.0-OpenSSH'");
    });
    long start = System.nanoTime();
    assertThatThrownBy(() -> api.inspect("c1")).isInstanceOf(EngineException.class)
        .hasMessage("GET /containers/c1/json: no answer from the engine in time");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void noSocketIsAnErrorNamingIt() {
    EngineApi api = new EngineApi(dir.resolve("absent.sock"));
    assertThatThrownBy(api::ping).isInstanceOfSatisfying(EngineException.class, e -> {
      assertThat(e.status()).isZero();
      assertThat(e.getMessage()).startsWith("GET /_ping: engine socket " + dir.resolve("absent.sock") + ": ");
    });
    assertThat(Files.exists(dir.resolve("absent.sock"))).isFalse();
  }
}
