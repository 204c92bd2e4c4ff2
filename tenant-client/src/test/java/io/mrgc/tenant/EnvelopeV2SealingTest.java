package io.mrgc.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.mrgc.wire.MediaTypes;
import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.envelope.EnvelopeCodec;
import io.mrgc.wire.envelope.EnvelopeCrypto;
import io.mrgc.wire.envelope.RequestEnvelope;
import io.mrgc.wire.envelope.ResponseBinding;
import io.mrgc.wire.keys.DataKey;
import io.mrgc.wire.keys.DataKeySource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #10 finding 4 on the tenant side: the SDK seals v=2 envelopes stamped with the current time, opens an answer
 * only if it is bound to the very request it sent (the SHA-256 of that request's IV and ciphertext is in the
 * response AAD), and treats the enclave's new refusals as documented: a replay (409) is not retried, an
 * unverifiable envelope (503) is retried in a new envelope.
 */
class EnvelopeV2SealingTest {
  private static final String ANSWER = "{\"object\":\"list\",\"model\":\"m\",\"data\":[{\"object\":\"embedding\","
      + "\"index\":0,\"embedding\":[0.5]}],\"usage\":{\"prompt_tokens\":1}}";

  private enum Mode { BOUND, BOUND_TO_ANOTHER_REQUEST, REPLAYED, UNVERIFIABLE_ONCE }

  private final Map<String, byte[]> dataKeys = new ConcurrentHashMap<>();
  private final DataKeySource kms = (keyId, context) -> {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    byte[] edk = ("edk-" + dataKeys.size()).getBytes(StandardCharsets.UTF_8);
    dataKeys.put(new String(edk, StandardCharsets.UTF_8), key.clone());
    return new DataKey(keyId, key, edk);
  };
  private final EnvelopeCodec codec = new EnvelopeCodec();
  private final List<RequestEnvelope> seen = new CopyOnWriteArrayList<>();
  private volatile Mode mode = Mode.BOUND;
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::serve);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      RequestEnvelope request = codec.parseRequest(exchange.getRequestBody().readAllBytes());
      seen.add(request);
      byte[] key = dataKeys.get(new String(request.edk(), StandardCharsets.UTF_8));
      EnvelopeCrypto.openRequest(key, request);
      if (mode == Mode.REPLAYED || (mode == Mode.UNVERIFIABLE_ONCE && seen.size() == 1)) {
        int status = mode == Mode.REPLAYED ? 409 : 503;
        String code = mode == Mode.REPLAYED ? "replayed_envelope" : "replay_unverifiable";
        byte[] body = ("{\"error\":{\"code\":\"" + code + "\",\"message\":\"m\",\"requestId\":\"r\"}}")
            .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("content-type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        return;
      }
      ResponseBinding binding = ResponseBinding.of(request);
      if (mode == Mode.BOUND_TO_ANOTHER_REQUEST) { // same key, header and EDK; another request's IV and ct
        binding = new ResponseBinding(binding.header(), binding.edkSha256(), Bytes.sha256(request.ct()));
      }
      byte[] body = codec.encode(EnvelopeCrypto.sealResponse(key, binding, ANSWER.getBytes(StandardCharsets.UTF_8)));
      exchange.getResponseHeaders().add("content-type", MediaTypes.ENVELOPE);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    } catch (Exception e) {
      throw new IOException("fake service failed: " + e, e);
    }
  }

  private MrgcClient client() {
    return MrgcClient.builder().endpoint(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
        .tenant("acme").apiKey("mrgc_key").kmsKeyId("local:acme:1").dataKeySource(kms)
        .retries(RetryPolicy.custom().initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(1)).build())
        .build();
  }

  @Test
  void sealsV2StampedWithTheCurrentTime() {
    long before = System.currentTimeMillis();
    try (MrgcClient client = client()) {
      assertThat(client.embed("m", List.of("hello")).vectors()).hasSize(1);
    }
    RequestEnvelope sent = seen.get(0);
    assertThat(sent.header().version()).isEqualTo(2);
    assertThat(sent.header().ts()).isBetween(before, System.currentTimeMillis());
  }

  /** Fails if the SDK opened answers without the request digest: this one is bound to another IV and ciphertext. */
  @Test
  void anAnswerBoundToAnotherRequestIsAnIntegrityFailure() {
    mode = Mode.BOUND_TO_ANOTHER_REQUEST;
    try (MrgcClient client = client()) {
      assertThatThrownBy(() -> client.embed("m", List.of("hello")))
          .isInstanceOf(MrgcException.IntegrityFailure.class);
    }
  }

  @Test
  void aReplayIsNotRetriedAndAnUnverifiableEnvelopeIsRetriedSealedAnew() {
    mode = Mode.REPLAYED;
    try (MrgcClient client = client()) {
      assertThatThrownBy(() -> client.embed("m", List.of("hello")))
          .isInstanceOfSatisfying(MrgcException.class, e -> {
            assertThat(e.status()).isEqualTo(409);
            assertThat(e.code()).isEqualTo("replayed_envelope");
            assertThat(e.attempts()).isEqualTo(1);
          });
    }
    seen.clear();
    mode = Mode.UNVERIFIABLE_ONCE;
    try (MrgcClient client = client()) {
      assertThat(client.embed("m", List.of("hello")).vectors()).hasSize(1);
    }
    assertThat(seen).hasSize(2);
    assertThat(seen.get(1).iv()).isNotEqualTo(seen.get(0).iv());
    assertThat(seen.get(1).header().ts()).isGreaterThanOrEqualTo(seen.get(0).header().ts());
  }
}
