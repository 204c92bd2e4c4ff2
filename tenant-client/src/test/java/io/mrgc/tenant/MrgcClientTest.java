package io.mrgc.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.mrgc.wire.keys.DataKey;
import io.mrgc.wire.keys.DataKeySource;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MrgcClientTest {
  private final AtomicInteger generated = new AtomicInteger();
  private final DataKeySource kms = (keyId, context) -> {
    generated.incrementAndGet();
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return new DataKey(keyId, key, ("edk-" + generated.get()).getBytes(StandardCharsets.UTF_8));
  };
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final Clock clock = new Clock() {
    @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(java.time.ZoneId zone) { return this; }
    @Override public Instant instant() { return Instant.ofEpochMilli(now.get()); }
  };
  private HttpServer server;
  private final AtomicReference<String> answer = new AtomicReference<>();
  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicReference<String> seenAuthorization = new AtomicReference<>();

  @BeforeEach
  void startServer() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      seenAuthorization.set(exchange.getRequestHeaders().getFirst("authorization"));
      exchange.getRequestBody().readAllBytes();
      byte[] body = answer.get().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("content-type", "application/json");
      exchange.getResponseHeaders().add("retry-after", "7");
      exchange.sendResponseHeaders(status.get(), body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private MrgcClient client(DataKeyReuse reuse) {
    return MrgcClient.builder().endpoint(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
        .tenant("acme").apiKey("mrgc_test").kmsKeyId("local:acme:1").dataKeySource(kms).dataKeyReuse(reuse)
        .clock(clock).retries(RetryPolicy.custom().initialBackoff(Duration.ofMillis(1))
            .maxBackoff(Duration.ofMillis(1)).build()).build();
  }

  private void answer(int code, String errorCode) {
    status.set(code);
    answer.set("{\"error\":{\"code\":\"" + errorCode + "\",\"message\":\"because\",\"requestId\":\"r1\"}}");
  }

  @Test
  void errorAnswersBecomeTypedExceptions() {
    try (MrgcClient client = client(DataKeyReuse.defaults())) {
      answer(401, "unauthorized");
      assertThatThrownBy(() -> client.embed("m", List.of("x"))).isInstanceOf(MrgcException.Unauthorized.class)
          .hasMessageContaining("because").hasMessageContaining("status 401");
      answer(403, "model_not_allowed");
      assertThatThrownBy(() -> client.embed("m", List.of("x")))
          .isInstanceOfSatisfying(MrgcException.Forbidden.class, e -> assertThat(e.code()).isEqualTo("model_not_allowed"));
      answer(429, "rate_limited");
      assertThatThrownBy(() -> client.embed("m", List.of("x")))
          .isInstanceOfSatisfying(MrgcException.RateLimited.class, e -> assertThat(e.retryAfterSeconds()).isEqualTo(7));
      answer(415, "encryption_required");
      assertThatThrownBy(() -> client.embed("m", List.of("x"))).isInstanceOf(MrgcException.BadRequest.class);
      answer(503, "no_capacity");
      assertThatThrownBy(() -> client.embed("m", List.of("x"))).isInstanceOf(MrgcException.Unavailable.class);
    }
    assertThat(seenAuthorization.get()).isEqualTo("Bearer mrgc_test");
  }

  @Test
  void aRequestTooLargeToSealIsTheCallersToFixAndNeverSent() {
    try (MrgcClient client = client(DataKeyReuse.defaults())) {
      assertThatThrownBy(() -> client.embed("all-minilm-l6-v2", List.of("x".repeat(3 * 1024 * 1024))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("cannot seal this request: sealed envelope is ")
          .hasMessageEndingWith(" bytes; the limit is 2097152");
    }
    assertThat(seenAuthorization.get()).as("nothing reached the server").isNull();
  }

  @Test
  void anUnsealedSuccessIsRefused() {
    status.set(200);
    answer.set("{\"object\":\"list\",\"data\":[]}");
    try (MrgcClient client = client(DataKeyReuse.defaults())) {
      assertThatThrownBy(() -> client.embed("m", List.of("x"))).isInstanceOf(MrgcException.IntegrityFailure.class);
    }
  }

  @Test
  void dataKeysAreReusedWithinTheirBoundsOnly() {
    answer(400, "invalid_request");
    try (MrgcClient client = client(new DataKeyReuse(Duration.ofMinutes(5), 3))) {
      for (int i = 0; i < 7; i++) {
        assertThatThrownBy(() -> client.embed("m", List.of("x"))).isInstanceOf(MrgcException.BadRequest.class);
      }
      assertThat(client.kmsCalls()).as("7 requests, 3 per key").isEqualTo(3);
      now.addAndGet(Duration.ofMinutes(5).toMillis());
      assertThatThrownBy(() -> client.embed("m", List.of("x"))).isInstanceOf(MrgcException.BadRequest.class);
      assertThat(client.kmsCalls()).as("the key aged out").isEqualTo(4);
    }
    try (MrgcClient none = client(DataKeyReuse.none())) {
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> none.embed("m", List.of("x"))).isInstanceOf(MrgcException.BadRequest.class);
      }
      assertThat(none.kmsCalls()).isEqualTo(3);
    }
  }

  @Test
  void settingsAreCheckedWithExactMessages() {
    assertThatThrownBy(() -> new DataKeyReuse(Duration.ZERO, 10))
        .hasMessage("maxAge must be between 1 ms and 24 hours, but was PT0S");
    assertThatThrownBy(() -> new DataKeyReuse(Duration.ofMinutes(1), 0))
        .hasMessage("maxMessages must be between 1 and 1000000, but was 0");
    assertThatThrownBy(() -> MrgcClient.builder().endpoint(URI.create("http://x")).tenant("t").kmsKeyId("k")
        .dataKeySource(kms).build()).hasMessage("apiKey must be set");
  }
}
