package io.mrgc.common.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.common.ApiException;
import io.mrgc.wire.Headers;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The HMAC codec between router and agent: what verifies, and every way a request or answer is refused. */
class PeerAuthTest {
  private static final PeerKey K1 = key("k1", 1);
  private static final PeerKey K2 = key("k2", 2);
  private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

  private static PeerKey key(String id, int fill) {
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) fill);
    return new PeerKey(id, secret);
  }

  private static PeerAuth at(PeerAuthOptions options, Instant instant) {
    return new PeerAuth(options, Clock.fixed(instant, ZoneOffset.UTC));
  }

  private static MultiMap headers(String tenant, String model, String requestId) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().set(Headers.REQUEST_ID, requestId)
        .set(Headers.TENANT, tenant);
    return model == null ? headers : headers.set(Headers.MODEL, model);
  }

  @Test
  void aSignedRequestVerifiesOnceAndItsAnswerVerifiesAtTheRouter() {
    PeerAuth router = at(PeerAuthOptions.of(K1, null), NOW);
    PeerAuth agent = at(PeerAuthOptions.of(K1, null), NOW.plusSeconds(5));
    MultiMap h = headers("acme", "m", "req-1");
    PeerAuth.Signed signed = router.sign(h, "POST", "/v1/embeddings");
    PeerAuth.Verified verified = agent.verify(h, "POST", "/v1/embeddings");
    assertThat(verified.requestId()).isEqualTo("req-1");

    MultiMap answer = MultiMap.caseInsensitiveMultiMap();
    agent.signResponse(answer, verified, 200);
    assertThat(router.verifyResponse(signed, 200, answer)).isTrue();
    // the answer is bound to its status and to this request's nonce
    assertThat(router.verifyResponse(signed, 500, answer)).isFalse();
    PeerAuth.Signed other = router.sign(headers("acme", "m", "req-1"), "POST", "/v1/embeddings");
    assertThat(router.verifyResponse(other, 200, answer)).isFalse();
    assertThat(router.verifyResponse(signed, 200, MultiMap.caseInsensitiveMultiMap())).isFalse();

    // Proves the replay cache: the very same signed request a second time is refused.
    assertUnauthenticated(() -> agent.verify(h, "POST", "/v1/embeddings"), "replayed");
  }

  @Test
  void missingMalformedForgedAndExpiredSignaturesAreRefused() {
    PeerAuth agent = at(PeerAuthOptions.of(K1, null), NOW);
    assertUnauthenticated(() -> agent.verify(headers("victim", "m", "r"), "POST", "/v1/embeddings"), "missing");
    MultiMap malformed = headers("victim", "m", "r").set(Headers.PEER_AUTH, "v1;k1;x;y");
    assertUnauthenticated(() -> agent.verify(malformed, "POST", "/v1/embeddings"), "malformed");

    // forged: signed with a key the agent does not have, under its id and under another id
    MultiMap forged = headers("victim", "m", "r");
    at(PeerAuthOptions.of(new PeerKey("k1", new byte[32]), null), NOW).sign(forged, "POST", "/v1/embeddings");
    assertUnauthenticated(() -> agent.verify(forged, "POST", "/v1/embeddings"), "does not match");
    MultiMap unknownKey = headers("victim", "m", "r");
    at(PeerAuthOptions.of(K2, null), NOW).sign(unknownKey, "POST", "/v1/embeddings");
    assertUnauthenticated(() -> agent.verify(unknownKey, "POST", "/v1/embeddings"), "unknown key");

    // expired / from the future: outside the 30 s window
    MultiMap old = headers("acme", "m", "r");
    at(PeerAuthOptions.of(K1, null), NOW.minusSeconds(31)).sign(old, "POST", "/v1/embeddings");
    assertUnauthenticated(() -> agent.verify(old, "POST", "/v1/embeddings"), "clock skew");
    MultiMap future = headers("acme", "m", "r");
    at(PeerAuthOptions.of(K1, null), NOW.plusSeconds(31)).sign(future, "POST", "/v1/embeddings");
    assertUnauthenticated(() -> agent.verify(future, "POST", "/v1/embeddings"), "clock skew");

    // a second tenant header (which one would the agent read?) is refused even with a valid signature
    MultiMap doubled = headers("acme", "m", "r");
    at(PeerAuthOptions.of(K1, null), NOW).sign(doubled, "POST", "/v1/embeddings");
    doubled.add(Headers.TENANT, "victim");
    assertUnauthenticated(() -> agent.verify(doubled, "POST", "/v1/embeddings"), "more than once");
  }

  /** With the body signed, the agent can tell the body it read from the one the router signed. */
  @Test
  void aSignedBodyMustBeTheBodyReceived() {
    PeerAuth router = at(PeerAuthOptions.of(K1, null), NOW);
    PeerAuth agent = at(PeerAuthOptions.of(K1, null), NOW);
    java.nio.ByteBuffer body = java.nio.ByteBuffer.wrap("{\"input\":\"a\"}".getBytes(StandardCharsets.UTF_8));
    MultiMap h = headers("acme", "m", "r");
    router.sign(h, "POST", "/v1/embeddings", body);
    assertThat(body.remaining()).as("not consumed").isEqualTo(13);
    PeerAuth.Verified verified = agent.verify(h, "POST", "/v1/embeddings");
    assertThat(PeerAuth.bodyMatches(verified, body)).isTrue();
    assertThat(PeerAuth.bodyMatches(verified, java.nio.ByteBuffer.wrap("{\"input\":\"b\"}"
        .getBytes(StandardCharsets.UTF_8)))).isFalse();
    // a streamed (unsigned) body: nothing to compare
    MultiMap streamed = headers("acme", "m", "r2");
    router.sign(streamed, "POST", "/v1/embeddings");
    assertThat(PeerAuth.bodyMatches(agent.verify(streamed, "POST", "/v1/embeddings"), body)).isTrue();
  }

  @Test
  void keysRotateThroughPrevious() {
    PeerAuth oldRouter = at(PeerAuthOptions.of(K1, null), NOW);
    PeerAuth rotatedAgent = at(PeerAuthOptions.of(K2, K1), NOW);
    MultiMap h = headers("acme", "m", "r");
    PeerAuth.Signed signed = oldRouter.sign(h, "GET", "/v2/models/m");
    PeerAuth.Verified verified = rotatedAgent.verify(h, "GET", "/v2/models/m");
    MultiMap answer = MultiMap.caseInsensitiveMultiMap();
    rotatedAgent.signResponse(answer, verified, 404);
    assertThat(oldRouter.verifyResponse(signed, 404, answer)).as("answered with the request's key").isTrue();

    PeerAuth newRouter = at(PeerAuthOptions.of(K2, null), NOW);
    MultiMap h2 = headers("acme", "m", "r");
    newRouter.sign(h2, "GET", "/v2/models/m");
    assertThat(rotatedAgent.verify(h2, "GET", "/v2/models/m").keyId()).isEqualTo("k2");
    // after the rotation ends (previous dropped), the old key is an unknown key
    MultiMap h3 = headers("acme", "m", "r");
    oldRouter.sign(h3, "GET", "/v2/models/m");
    assertUnauthenticated(() -> at(PeerAuthOptions.of(K2, null), NOW).verify(h3, "GET", "/v2/models/m"),
        "unknown key");
  }

  @Test
  void theReplayCacheIsBoundedAndForgets() {
    PeerAuthOptions options = PeerAuthOptions.of(K1, null).withMaxRememberedNonces(2);
    PeerAuth router = at(options, NOW);
    PeerAuth agent = at(options, NOW);
    for (int i = 0; i < 2; i++) {
      MultiMap h = headers("acme", "m", "r" + i);
      router.sign(h, "GET", "/v2");
      agent.verify(h, "GET", "/v2");
    }
    MultiMap third = headers("acme", "m", "r3");
    router.sign(third, "GET", "/v2");
    assertThatThrownBy(() -> agent.verify(third, "GET", "/v2")).isInstanceOf(ApiException.class)
        .extracting(e -> ((ApiException) e).code()).isEqualTo("peer_auth_busy");
    // once the window (2 x skew) has passed, the nonces are forgotten and the guard takes new ones
    PeerAuth later = at(options, NOW.plusSeconds(61));
    MultiMap fresh = headers("acme", "m", "r4");
    at(options, NOW.plusSeconds(61)).sign(fresh, "GET", "/v2");
    later.verify(fresh, "GET", "/v2");
  }

  @Test
  void optionsValidateWithExactMessagesAndNeverShowSecrets() {
    assertThatThrownBy(() -> new PeerKey("k", new byte[16]))
        .hasMessage("peer auth key k must be at least 32 bytes, but was 16");
    assertThatThrownBy(() -> new PeerKey("a b", new byte[32]))
        .hasMessage("peer auth key id must be 1 to 64 of [A-Za-z0-9_.-], but was a b");
    assertThatThrownBy(() -> PeerAuthOptions.of(K1, K1))
        .hasMessage("peer auth keys current and previous must have different ids, but both are k1");
    assertThatThrownBy(() -> PeerAuthOptions.of(K1, null).withMaxClockSkew(Duration.ZERO))
        .hasMessage("maxClockSkew must be a positive duration, but was PT0S");
    assertThatThrownBy(() -> PeerAuthOptions.parse("k1:AAAA"))
        .hasMessage("peer auth key k1 must be at least 32 bytes, but was 3");
    String secret = java.util.Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef"
        .getBytes(StandardCharsets.US_ASCII));
    PeerAuthOptions parsed = PeerAuthOptions.parse("# keys\nnew:" + secret + "\nold:" + secret + "\n");
    assertThat(parsed.current().id()).isEqualTo("new");
    assertThat(parsed.previous().id()).isEqualTo("old");
    assertThat(parsed.toString()).doesNotContain(secret).contains("<redacted>");
    assertThat(PeerAuthOptions.generate().toString()).contains("<redacted>");
    assertThat(PeerAuthOptions.none().enabled()).isFalse();
  }

  /**
   * Proves the MAC covers every forwarded identity field: changing any one of method, target, request id, tenant
   * or model after signing makes the agent refuse.
   */
  @Property
  void changingAnySignedFieldIsRefused(@ForAll("fields") String value, @ForAll @IntRange(min = 0, max = 4) int which) {
    PeerAuth router = at(PeerAuthOptions.of(K1, null), NOW);
    PeerAuth agent = at(PeerAuthOptions.of(K1, null), NOW);
    String[] fields = {"POST", "/v2/models/a/infer", "req-9", "acme", "a"};
    MultiMap h = headers(fields[3], fields[4], fields[2]);
    router.sign(h, fields[0], fields[1]);
    if (value.equals(fields[which])) {
      return;
    }
    fields[which] = value;
    MultiMap changed = headers(fields[3], fields[4], fields[2]).set(Headers.PEER_AUTH, h.get(Headers.PEER_AUTH));
    assertUnauthenticated(() -> agent.verify(changed, fields[0], fields[1]), "does not match");
  }

  /**
   * Fuzzing of the header parser (network input): any {@code x-mrgc-peer-auth} value, including a valid one with one
   * part replaced, is refused with 401 and nothing else (no other exception: no 500).
   */
  @Property
  void anyHeaderValueIsRefusedWith401(@ForAll("headerValues") String value) {
    PeerAuth agent = at(PeerAuthOptions.of(K1, null), NOW);
    MultiMap h = headers("acme", "m", "r").set(Headers.PEER_AUTH, value);
    assertThatThrownBy(() -> agent.verify(h, "POST", "/v1/embeddings")).isInstanceOf(PeerAuthException.class);
  }

  @Provide
  Arbitrary<String> headerValues() {
    MultiMap h = headers("acme", "m", "r");
    at(PeerAuthOptions.of(K1, null), NOW).sign(h, "POST", "/v1/embeddings");
    String[] valid = h.get(Headers.PEER_AUTH).split(";", -1);
    Arbitrary<String> part = Arbitraries.oneOf(fields(), Arbitraries.of("v1", "k1", "", "-1", "9223372036854775807",
        "-9223372036854775808", "99999999999999999999", Long.toString(NOW.getEpochSecond()), "0"));
    Arbitrary<String> onePartReplaced = Combinators.combine(Arbitraries.integers().between(0, 5), part).as((i, p) -> {
      String[] parts = valid.clone();
      parts[i] = p;
      return String.join(";", parts);
    }).filter(v -> !v.equals(String.join(";", valid)));
    return Arbitraries.oneOf(fields(), part.list().ofMaxSize(7).map(l -> String.join(";", l)), onePartReplaced);
  }

  @Provide
  Arbitrary<String> fields() {
    return Arbitraries.strings().ofMinLength(0).ofMaxLength(40).withCharRange(' ', '~');
  }

  private static void assertUnauthenticated(Runnable call, String why) {
    assertThatThrownBy(call::run).isInstanceOf(PeerAuthException.class)
        .hasMessageContaining(why)
        .satisfies(e -> assertThat(((PeerAuthException) e).status()).isEqualTo(401));
  }
}
