package io.mrgc.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.mrgc.wire.ErrorCode;
import io.mrgc.wire.MediaTypes;
import io.mrgc.wire.envelope.EnvelopeCodec;
import io.mrgc.wire.envelope.EnvelopeCrypto;
import io.mrgc.wire.envelope.RequestEnvelope;
import io.mrgc.wire.envelope.ResponseBinding;
import io.mrgc.wire.keys.DataKey;
import io.mrgc.wire.keys.DataKeySource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Retries against a fake service that plays router and enclave: it opens each envelope with the data key it handed
 * out, records what it saw, and answers as scripted (an error, a dropped connection, or a sealed embedding).
 */
class MrgcClientRetryTest {
  private static final String API_KEY = "mrgc_secretapikey";
  private static final String SECRET_TEXT = "the secret the tenant sends";
  /** 1 ms backoffs: retries without noticeable waits. */
  private static final RetryPolicy FAST = RetryPolicy.custom().initialBackoff(Duration.ofMillis(1))
      .maxBackoff(Duration.ofMillis(1)).build();

  /** One scripted answer: a status with an error code (and Retry-After, or null), or no answer at all. */
  private record Step(int status, String code, String retryAfter) {
    static final Step DROP = new Step(0, null, null);
    static final Step OK = new Step(200, null, null);

    static Step error(int status, String code) {
      return new Step(status, code, null);
    }
  }

  /** What the service saw of one attempt. */
  private record Seen(String requestIdHeader, String rid, String edk, String iv, String plaintext) {}

  private final Map<String, byte[]> dataKeys = new ConcurrentHashMap<>();
  private final AtomicInteger generated = new AtomicInteger();
  private final DataKeySource kms = (keyId, context) -> {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    byte[] edk = ("edk-" + generated.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
    dataKeys.put(new String(edk, StandardCharsets.UTF_8), key.clone());
    return new DataKey(keyId, key, edk);
  };
  private final EnvelopeCodec codec = new EnvelopeCodec();
  private final ConcurrentLinkedQueue<Step> script = new ConcurrentLinkedQueue<>();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private HttpServer server;

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::serve);
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      RequestEnvelope request = codec.parseRequest(exchange.getRequestBody().readAllBytes());
      byte[] key = dataKeys.get(new String(request.edk(), StandardCharsets.UTF_8));
      seen.add(new Seen(exchange.getRequestHeaders().getFirst("x-request-id"), request.header().rid(),
          new String(request.edk(), StandardCharsets.UTF_8), Base64.getEncoder().encodeToString(request.iv()),
          new String(EnvelopeCrypto.openRequest(key, request), StandardCharsets.UTF_8)));
      Step step = script.isEmpty() ? Step.OK : script.poll();
      if (step == Step.DROP) {
        return; // closing without a status line drops the connection: the client gets no answer
      }
      byte[] body;
      if (step.status() == 200) {
        byte[] answer = ("{\"object\":\"list\",\"model\":\"m\",\"data\":[{\"object\":\"embedding\","
            + "\"index\":0,\"embedding\":[0.5,0.25]}],\"usage\":{\"prompt_tokens\":6}}")
            .getBytes(StandardCharsets.UTF_8);
        body = codec.encode(EnvelopeCrypto.sealResponse(key, ResponseBinding.of(request), answer));
        exchange.getResponseHeaders().add("content-type", MediaTypes.ENVELOPE);
      } else {
        body = ("{\"error\":{\"code\":\"" + step.code() + "\",\"message\":\"scripted\",\"requestId\":\""
            + request.header().rid() + "\"}}").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("content-type", "application/json");
        if (step.retryAfter() != null) {
          exchange.getResponseHeaders().add("retry-after", step.retryAfter());
        }
      }
      exchange.sendResponseHeaders(step.status(), body.length);
      exchange.getResponseBody().write(body);
    } catch (Exception e) {
      throw new IOException("fake service failed: " + e.getClass().getSimpleName(), e);
    }
  }

  private MrgcClient.Builder builder(RetryPolicy retries) {
    return MrgcClient.builder().endpoint(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
        .tenant("acme").apiKey(API_KEY).kmsKeyId("local:acme:1").dataKeySource(kms).retries(retries);
  }

  private MrgcClient client(RetryPolicy retries) {
    return builder(retries).build();
  }

  private static List<float[]> embed(MrgcClient client) {
    return client.embed("m", List.of(SECRET_TEXT)).vectors();
  }

  private void script(Step... steps) {
    script.addAll(List.of(steps));
  }

  @ParameterizedTest
  @CsvSource({"503, no_capacity", "503, instance_not_ready", "502, region_unreachable", "504, upstream_timeout"})
  void anAnswerThatSaysNotServedIsRetriedInANewEnvelope(int status, String code) {
    script(Step.error(status, code));
    try (MrgcClient client = client(FAST)) {
      assertThat(embed(client)).singleElement().satisfies(v -> assertThat(v).containsExactly(0.5f, 0.25f));
      assertThat(client.kmsCalls()).as("both attempts sealed under the one reused data key").isEqualTo(1);
    }
    assertThat(seen).hasSize(2);
    assertThat(seen).extracting(Seen::plaintext).as("the same request each time").containsOnly(seen.get(0).plaintext())
        .allSatisfy(p -> assertThat(p).contains(SECRET_TEXT));
    assertThat(seen).extracting(Seen::edk).containsOnly("edk-1");
    assertThat(seen).extracting(Seen::iv).as("a fresh IV under the same key for each attempt").doesNotHaveDuplicates();
    assertThat(seen).extracting(Seen::requestIdHeader).doesNotHaveDuplicates();
    assertThat(seen).allSatisfy(s -> assertThat(s.rid()).isEqualTo(s.requestIdHeader()));
    String callId = seen.get(0).rid().substring(0, seen.get(0).rid().lastIndexOf('.'));
    assertThat(seen).extracting(Seen::rid).as("one call id, one suffix per attempt")
        .containsExactly(callId + ".1", callId + ".2");
  }

  @ParameterizedTest
  @EnumSource(ErrorCode.class)
  void everyServiceCodeIsRetriedExactlyWhenTheContractSaysSo(ErrorCode code) {
    script(new Step(code.status(), code.code(), "0"), Step.OK); // Retry-After: 0 lets a 429 be waited out
    try (MrgcClient client = client(FAST)) {
      if (code.retryable()) {
        assertThat(embed(client)).hasSize(1);
      } else {
        assertThatThrownBy(() -> embed(client)).isInstanceOfSatisfying(MrgcException.class,
            e -> assertThat(e.errorCode()).contains(code));
      }
    }
    assertThat(seen).hasSize(code.retryable() ? 2 : 1);
  }

  @Test
  void aConnectionDroppedWithoutAnAnswerIsRetried() {
    script(Step.DROP);
    try (MrgcClient client = client(FAST)) {
      assertThat(embed(client)).hasSize(1);
    }
    assertThat(seen).hasSize(2);
    assertThat(seen).extracting(Seen::requestIdHeader).doesNotHaveDuplicates();
  }

  @Test
  void aRefusedConnectionIsRetriedUntilTheAttemptsRunOut() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (MrgcClient client = builder(FAST).endpoint(URI.create("http://127.0.0.1:" + closedPort)).build()) {
      assertThatThrownBy(() -> embed(client)).isInstanceOfSatisfying(MrgcException.Unavailable.class, e -> {
        assertThat(e.attempts()).isEqualTo(3);
        assertThat(e.code()).isEqualTo("no_answer");
        assertThat(e.requestId()).endsWith(".3");
        assertThat(e).hasMessageEndingWith("after 3 attempts");
      });
    }
  }

  @ParameterizedTest
  @CsvSource({"400, invalid_request", "401, unauthorized", "403, tenant_mismatch", "404, model_not_found",
      "500, internal"})
  void refusalsAndServerErrorsAreNotRetried(int status, String code) {
    script(Step.error(status, code), Step.error(status, code));
    try (MrgcClient client = client(FAST)) {
      assertThatThrownBy(() -> embed(client)).isInstanceOfSatisfying(MrgcException.class, e -> {
        assertThat(e.status()).isEqualTo(status);
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(e).hasMessageNotContaining("attempts");
      });
    }
    assertThat(seen).hasSize(1);
  }

  @Test
  void aRateLimitLongerThanMaxBackoffIsNotRetried() {
    script(new Step(429, "rate_limited", "1"), Step.OK);
    RetryPolicy shortBackoff = RetryPolicy.custom().initialBackoff(Duration.ofMillis(1))
        .maxBackoff(Duration.ofMillis(5)).build();
    try (MrgcClient client = client(shortBackoff)) {
      assertThatThrownBy(() -> embed(client)).isInstanceOfSatisfying(MrgcException.RateLimited.class,
          e -> assertThat(e.retryAfterSeconds()).isEqualTo(1));
    }
    assertThat(seen).hasSize(1);
  }

  @Test
  void aRateLimitWithoutRetryAfterIsNotRetried() {
    script(Step.error(429, "overloaded"), Step.OK);
    try (MrgcClient client = client(FAST)) {
      assertThatThrownBy(() -> embed(client)).isInstanceOf(MrgcException.RateLimited.class);
    }
    assertThat(seen).hasSize(1);
  }

  @Test
  void aRateLimitWithinMaxBackoffIsWaitedOutExactly() {
    script(new Step(429, "rate_limited", "1"));
    FakeTimer timer = new FakeTimer(0.5);
    try (MrgcClient client = builder(RetryPolicy.defaults()).retryTimer(timer).build()) {
      assertThat(embed(client)).hasSize(1);
    }
    assertThat(seen).hasSize(2);
    assertThat(timer.sleeps).containsExactly(Duration.ofSeconds(1).toNanos());
  }

  @Test
  void exhaustionThrowsUnavailableWithTheAttemptCountAndTheLastRequestId() {
    script(Step.error(503, "no_capacity"), Step.error(502, "region_unreachable"), Step.error(503, "no_capacity"),
        Step.OK);
    try (MrgcClient client = client(FAST)) {
      assertThatThrownBy(() -> embed(client)).isInstanceOfSatisfying(MrgcException.Unavailable.class, e -> {
        assertThat(e.attempts()).isEqualTo(3);
        assertThat(e.status()).isEqualTo(503);
        assertThat(e.requestId()).isEqualTo(seen.get(2).requestIdHeader());
        assertThat(e).hasMessage("scripted (status 503, code no_capacity, request " + e.requestId()
            + ") after 3 attempts");
        assertThat(e.getSuppressed()).as("the earlier attempts, for correlation").hasSize(2);
      });
    }
    assertThat(seen).hasSize(3);
  }

  @Test
  void aNonRetryableAnswerAfterARetryEndsTheCall() {
    script(Step.error(503, "no_capacity"), Step.error(400, "invalid_request"), Step.OK);
    try (MrgcClient client = client(FAST)) {
      assertThatThrownBy(() -> embed(client)).isInstanceOf(MrgcException.BadRequest.class)
          .hasMessageEndingWith("after 2 attempts");
    }
    assertThat(seen).hasSize(2);
  }

  @Test
  void noneMakesExactlyOneCall() {
    script(Step.error(503, "no_capacity"), Step.OK);
    try (MrgcClient client = client(RetryPolicy.none())) {
      assertThatThrownBy(() -> embed(client)).isInstanceOfSatisfying(MrgcException.Unavailable.class,
          e -> assertThat(e.attempts()).isEqualTo(1));
    }
    assertThat(seen).hasSize(1);
  }

  @Test
  void backoffsDoubleUpToMaxBackoffWithFullJitter() {
    script(Step.error(503, "no_capacity"), Step.error(503, "no_capacity"), Step.error(503, "no_capacity"));
    RetryPolicy policy = RetryPolicy.custom().maxAttempts(4).initialBackoff(Duration.ofMillis(100))
        .maxBackoff(Duration.ofMillis(250)).build();
    FakeTimer timer = new FakeTimer(0.5);
    try (MrgcClient client = builder(policy).retryTimer(timer).build()) {
      assertThat(embed(client)).hasSize(1);
    }
    assertThat(timer.sleeps).as("half of 100, 200, then the 250 cap")
        .containsExactly(millis(50), millis(100), millis(125));
    assertThat(policy.nextWaitNanos(1, -1, 0, 0.0)).as("full jitter starts at zero").isZero();
  }

  @Test
  void noRetryStartsPastTheTotalBudget() {
    script(Step.error(503, "no_capacity"), Step.error(503, "no_capacity"), Step.OK);
    RetryPolicy policy = RetryPolicy.custom().initialBackoff(Duration.ofMillis(100))
        .totalBudget(Duration.ofMillis(120)).build();
    FakeTimer timer = new FakeTimer(0.5);
    try (MrgcClient client = builder(policy).retryTimer(timer).build()) {
      assertThatThrownBy(() -> embed(client)).isInstanceOfSatisfying(MrgcException.Unavailable.class,
          e -> assertThat(e.attempts()).as("50 ms in, the next 100 ms wait would end past 120 ms").isEqualTo(2));
    }
    assertThat(timer.sleeps).containsExactly(millis(50));
    assertThat(seen).hasSize(2);
  }

  @Test
  void noSecretInAnyFailure() {
    script(Step.error(503, "no_capacity"), Step.DROP, Step.error(503, "no_capacity"));
    try (MrgcClient client = client(FAST)) {
      assertThatThrownBy(() -> embed(client)).isInstanceOfSatisfying(MrgcException.class, e -> {
        List<Throwable> all = new ArrayList<>(List.of(e.getSuppressed()));
        all.add(e);
        assertThat(all).extracting(Throwable::toString).hasSize(3).allSatisfy(text -> assertThat(text)
            .doesNotContain(API_KEY).doesNotContain(SECRET_TEXT).doesNotContain("edk-"));
      });
    }
  }

  @Test
  void retryPoliciesAreCheckedWithExactMessages() {
    assertThatThrownBy(() -> RetryPolicy.custom().maxAttempts(0).build())
        .hasMessage("maxAttempts must be between 1 and 10, but was 0");
    assertThatThrownBy(() -> RetryPolicy.custom().maxAttempts(11).build())
        .hasMessage("maxAttempts must be between 1 and 10, but was 11");
    assertThatThrownBy(() -> RetryPolicy.custom().initialBackoff(Duration.ZERO).build())
        .hasMessage("initialBackoff must be between 1 ms and 1 minute, but was PT0S");
    assertThatThrownBy(() -> RetryPolicy.custom().maxBackoff(Duration.ofMillis(50)).build())
        .hasMessage("maxBackoff must be between initialBackoff (PT0.1S) and 1 minute, but was PT0.05S");
    assertThatThrownBy(() -> RetryPolicy.custom().maxBackoff(null).build())
        .hasMessage("maxBackoff must be between initialBackoff (PT0.1S) and 1 minute, but was null");
    assertThatThrownBy(() -> RetryPolicy.custom().totalBudget(Duration.ofMinutes(11)).build())
        .hasMessage("totalBudget must be between 1 ms and 10 minutes, but was PT11M");
    assertThatThrownBy(() -> MrgcClient.builder().retries(null)).hasMessage("retries must be set");
    assertThat(RetryPolicy.defaults()).isEqualTo(new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(2),
        Duration.ofSeconds(10)));
    assertThat(RetryPolicy.none().maxAttempts()).isEqualTo(1);
  }

  private static long millis(long ms) {
    return Duration.ofMillis(ms).toNanos();
  }

  /** Time that moves only by the sleeps it records, and a fixed jitter. */
  private static final class FakeTimer implements MrgcClient.RetryTimer {
    final List<Long> sleeps = new ArrayList<>();
    private final double jitter;
    private long now;

    FakeTimer(double jitter) {
      this.jitter = jitter;
    }

    @Override
    public long nanoTime() {
      return now;
    }

    @Override
    public void sleep(long nanos) {
      sleeps.add(nanos);
      now += nanos;
    }

    @Override
    public double jitter() {
      return jitter;
    }
  }
}
