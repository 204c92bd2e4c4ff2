package io.mrgc.enclave.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.mrgc.enclave.DecryptRequest;
import io.mrgc.enclave.Decrypted;
import io.mrgc.enclave.client.EnclaveClient;
import io.mrgc.enclave.client.EnclaveClientConfig;
import io.mrgc.enclave.protocol.Frame;
import io.mrgc.enclave.protocol.FrameFormat;
import io.mrgc.enclave.protocol.FrameReader;
import io.mrgc.enclave.protocol.Message;
import io.mrgc.enclave.protocol.MessageCodec;
import io.mrgc.enclave.protocol.MessageType;
import io.mrgc.enclave.transport.Connection;
import io.mrgc.enclave.transport.UnixSocketTransport;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client -> server -> fake handler over Unix domain sockets. */
class EnclaveEndToEndTest {
  private static final Duration SHORT = Duration.ofMillis(300);

  @TempDir Path dir;
  UnixSocketTransport transport;
  FakeHandler handler;
  EnclaveServer server;
  EnclaveClient client;

  @BeforeEach
  void start() throws IOException {
    transport = new UnixSocketTransport(dir.resolve("enclave.sock"));
    handler = new FakeHandler();
    server = new EnclaveServer(transport, handler,
        EnclaveServerConfig.defaults().withFrameReadTimeout(SHORT).withWriteTimeout(SHORT).withMaxConnections(4)
            .withStopGrace(Duration.ofMillis(200)));
    server.start();
    client = new EnclaveClient(transport, EnclaveClientConfig.defaults().withCallTimeout(Duration.ofSeconds(2)));
  }

  @AfterEach
  void stop() {
    handler.release.countDown();
    client.close();
    server.stop();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void allThreeCallsWork() throws Exception {
    client.ping();
    Decrypted d = client.decryptRequest(new DecryptRequest(bytes("olleh"), "t1", "m1", "/v1/chat"));
    assertThat(d.plaintext()).isEqualTo(bytes("hello"));
    assertThat(d.sessionId()).isEqualTo("t1|m1|/v1/chat|1");
    assertThat(d.requestId()).startsWith("req-");
    byte[] env = client.encryptResponse(d.sessionId(), bytes("answer"));
    assertThat(new String(env, StandardCharsets.UTF_8)).isEqualTo("t1|m1|/v1/chat|1:answer");
    // a large body (1 MiB) goes through
    byte[] big = new byte[1 << 20];
    big[0] = 7;
    assertThat(client.decryptRequest(new DecryptRequest(big, "t", "m", "/p")).plaintext()[big.length - 1])
        .isEqualTo((byte) 7);
  }

  @Test
  void concurrentCallsFromManyThreads() throws Exception {
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      ExecutorService pool = Executors.newFixedThreadPool(16);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
          int thread = t;
          fs.add(pool.submit(() -> {
            for (int i = 0; i < 60; i++) {
              String body = "t" + thread + "-i" + i;
              byte[] env = new StringBuilder(body).reverse().toString().getBytes(StandardCharsets.UTF_8);
              Decrypted d = client.decryptRequest(new DecryptRequest(env, "tenant" + thread, "m", "/p"));
              assertThat(new String(d.plaintext(), StandardCharsets.UTF_8)).isEqualTo(body);
              assertThat(d.sessionId()).startsWith("tenant" + thread + "|");
              byte[] out = client.encryptResponse(d.sessionId(), bytes(body));
              assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo(d.sessionId() + ":" + body);
              if (i % 10 == 0) {
                client.ping();
              }
            }
            return null;
          }));
        }
        for (Future<?> f : fs) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
    });
    assertThat(handler.sessions.get()).isEqualTo(16 * 60);
    assertThat(client.openConnections()).isBetween(1, 2);
  }

  @Test
  void enclaveErrorsArriveWithTheirCodes() {
    for (EnclaveErrorCode code : EnclaveErrorCode.values()) {
      assertThatThrownBy(() -> client.decryptRequest(new DecryptRequest(new byte[1], code.name(), "m", "/p")))
          .isInstanceOfSatisfying(EnclaveException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).isEqualTo("refused: " + code.name().toLowerCase());
          });
    }
    assertThatThrownBy(() -> client.encryptResponse("unknown-1", new byte[3]))
        .isInstanceOfSatisfying(EnclaveException.class,
            e -> assertThat(e.code()).isEqualTo(EnclaveErrorCode.UNKNOWN_SESSION));
    // an unchecked failure in the handler is INTERNAL without its detail
    assertThatThrownBy(() -> client.decryptRequest(new DecryptRequest(new byte[1], "boom", "m", "/p")))
        .isInstanceOfSatisfying(EnclaveException.class, e -> {
          assertThat(e.code()).isEqualTo(EnclaveErrorCode.INTERNAL);
          assertThat(e.getMessage()).doesNotContain("secret");
        });
  }

  @Test
  void requestsOverProtocolBoundsAreRefusedLocallyAsMalformed() throws Exception {
    assertThatThrownBy(() -> client.decryptRequest(
        new DecryptRequest(new byte[FrameFormat.DEFAULT_MAX_PAYLOAD_BYTES], "t", "m", "/p")))
        .isInstanceOfSatisfying(EnclaveException.class, e -> assertThat(e.code()).isEqualTo(EnclaveErrorCode.MALFORMED));
    assertThatThrownBy(() -> client.decryptRequest(new DecryptRequest(new byte[1], "t".repeat(300), "m", "/p")))
        .isInstanceOfSatisfying(EnclaveException.class, e -> assertThat(e.code()).isEqualTo(EnclaveErrorCode.MALFORMED));
    assertThatThrownBy(() -> client.decryptRequest(new DecryptRequest(null, "t", "m", "/p")))
        .isInstanceOfSatisfying(EnclaveException.class, e -> assertThat(e.code()).isEqualTo(EnclaveErrorCode.MALFORMED));
    client.ping(); // the connection is still fine
  }

  @Test
  void clientReconnectsAfterTheServerRestarts() throws Exception {
    client.ping();
    server.stop();
    assertThatThrownBy(client::ping).isInstanceOfSatisfying(EnclaveException.class,
        e -> assertThat(e.code()).isEqualTo(EnclaveErrorCode.ENCLAVE_UNAVAILABLE));
    server = new EnclaveServer(transport, handler);
    server.start();
    client.ping();
    Decrypted d = client.decryptRequest(new DecryptRequest(bytes("ba"), "t", "m", "/p"));
    assertThat(d.plaintext()).isEqualTo(bytes("ab"));
  }

  @Test
  void restartWithoutTheClientNoticingInBetween() throws Exception {
    for (int i = 0; i < 3; i++) {
      client.ping();
      client.ping();
      server.stop();
      server = new EnclaveServer(transport, handler);
      server.start();
    }
    client.ping(); // the write on the dead connection fails and is retried on a new one
  }

  @Test
  void aCallTimesOutAgainstABlockedHandlerAndTheClientKeepsWorking() throws Exception {
    try (EnclaveClient quick = new EnclaveClient(transport,
        EnclaveClientConfig.defaults().withCallTimeout(SHORT).withConnections(1))) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> quick.decryptRequest(new DecryptRequest(new byte[1], "block", "m", "/p")))
          .isInstanceOfSatisfying(EnclaveException.class, e -> {
            assertThat(e.code()).isEqualTo(EnclaveErrorCode.ENCLAVE_UNAVAILABLE);
            assertThat(e.getMessage()).contains("did not answer within 300 ms");
          });
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
      quick.ping(); // same connection, answered while the handler is still blocked
      handler.release.countDown();
      assertThat(quick.decryptRequest(new DecryptRequest(bytes("yx"), "t", "m", "/p")).plaintext())
          .isEqualTo(bytes("xy"));
    }
  }

  @Test
  void noServerMeansEnclaveUnavailableQuickly() {
    server.stop();
    long t0 = System.nanoTime();
    assertThatThrownBy(client::ping).isInstanceOfSatisfying(EnclaveException.class,
        e -> assertThat(e.code()).isEqualTo(EnclaveErrorCode.ENCLAVE_UNAVAILABLE));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void stoppingTheServerFailsPendingCalls() throws Exception {
    Thread stopper = new Thread(() -> {
      try {
        handler.blocked.await();
      } catch (InterruptedException ignored) {
        // ignore
      }
      server.stop();
    });
    stopper.start();
    assertThatThrownBy(() -> client.decryptRequest(new DecryptRequest(new byte[1], "block", "m", "/p")))
        .isInstanceOfSatisfying(EnclaveException.class,
            e -> assertThat(e.code()).isEqualTo(EnclaveErrorCode.ENCLAVE_UNAVAILABLE));
    stopper.join();
  }

  @Test
  void halfAFrameThenSilenceIsClosedAfterTheReadTimeoutWhileOthersAreServed() throws Exception {
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
      try (Connection raw = transport.connect()) {
        byte[] header = FrameFormat.header(MessageType.PING, 1, 0);
        raw.output().write(header, 0, 10); // half a header, then nothing
        long t0 = System.nanoTime();
        client.ping(); // another connection is served meanwhile
        assertThat(raw.input().read()).isEqualTo(-1); // the server closed the stuck one
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(took).isGreaterThanOrEqualTo(SHORT.minusMillis(50)).isLessThan(Duration.ofSeconds(3));
      }
      try (Connection raw = transport.connect()) { // announced payload, partly sent
        byte[] header = FrameFormat.header(MessageType.ENCRYPT, 2, 1000);
        raw.output().write(header, 0, header.length);
        raw.output().write(new byte[10], 0, 10);
        assertThat(raw.input().read()).isEqualTo(-1);
      }
      client.ping();
      long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (server.connectionCount() != client.openConnections() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(server.connectionCount()).isEqualTo(client.openConnections()); // the stuck ones are gone
    });
  }

  private static Frame readFrame(Connection raw) throws IOException {
    return new FrameReader(raw.input()).read();
  }

  @Test
  void protocolErrorsAreAnsweredWithErrorThenClosed() throws Exception {
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
      // unsupported version
      try (Connection raw = transport.connect()) {
        byte[] h = FrameFormat.header(MessageType.PING, 77, 0);
        h[4] = 9;
        raw.output().write(h, 0, h.length);
        Frame f = readFrame(raw);
        assertThat(f.type()).isEqualTo(MessageType.ERROR);
        assertThat(f.requestId()).isEqualTo(77);
        Message.Error e = (Message.Error) MessageCodec.decode(f);
        assertThat(e.code()).isEqualTo(EnclaveErrorCode.MALFORMED);
        assertThat(e.message()).contains("UNSUPPORTED_VERSION");
        assertThat(readFrame(raw)).isNull();
      }
      // unknown type
      try (Connection raw = transport.connect()) {
        byte[] h = FrameFormat.header(MessageType.PING, 78, 0);
        h[5] = 0x42;
        raw.output().write(h, 0, h.length);
        Message.Error e = (Message.Error) MessageCodec.decode(readFrame(raw));
        assertThat(e.message()).contains("UNKNOWN_TYPE");
        assertThat(readFrame(raw)).isNull();
      }
      // oversize announcement: refused from the header alone
      try (Connection raw = transport.connect()) {
        byte[] h = FrameFormat.header(MessageType.DECRYPT, 79, 0);
        h[16] = (byte) 0x7F;
        raw.output().write(h, 0, h.length);
        Frame f = readFrame(raw);
        assertThat(f.requestId()).isEqualTo(79);
        assertThat(((Message.Error) MessageCodec.decode(f)).message()).contains("FRAME_TOO_LARGE");
        assertThat(readFrame(raw)).isNull();
      }
      // a malformed payload, and an answer type sent as a request
      for (MessageType t : new MessageType[] {MessageType.ENCRYPT, MessageType.PONG}) {
        try (Connection raw = transport.connect()) {
          byte[] payload = t == MessageType.ENCRYPT ? new byte[] {0, 50, 1} : new byte[0];
          byte[] h = FrameFormat.header(t, 80, payload.length);
          raw.output().write(h, 0, h.length);
          raw.output().write(payload, 0, payload.length);
          Frame f = readFrame(raw);
          assertThat(f.requestId()).isEqualTo(80);
          assertThat(((Message.Error) MessageCodec.decode(f)).code()).isEqualTo(EnclaveErrorCode.MALFORMED);
          assertThat(readFrame(raw)).isNull();
        }
      }
      // garbage (4 bytes: the server closes after the magic; bytes it never read would turn the close into a
      // reset that can discard the ERROR frame before the peer reads it)
      try (Connection raw = transport.connect()) {
        raw.output().write(bytes("GET "));
        Frame f = readFrame(raw);
        assertThat(f.requestId()).isZero();
        assertThat(((Message.Error) MessageCodec.decode(f)).message()).contains("BAD_MAGIC");
        assertThat(readFrame(raw)).isNull();
      }
      client.ping();
    });
  }

  @Test
  void connectionsBeyondTheLimitAreRefused() throws Exception {
    List<Connection> held = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        held.add(transport.connect());
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (server.connectionCount() < 4 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      try (Connection extra = transport.connect()) {
        Frame f = readFrame(extra);
        assertThat(f.requestId()).isZero();
        assertThat(((Message.Error) MessageCodec.decode(f)).code()).isEqualTo(EnclaveErrorCode.ENCLAVE_UNAVAILABLE);
        assertThat(readFrame(extra)).isNull();
      }
    } finally {
      held.forEach(Connection::close);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (server.connectionCount() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    client.ping();
  }
}
