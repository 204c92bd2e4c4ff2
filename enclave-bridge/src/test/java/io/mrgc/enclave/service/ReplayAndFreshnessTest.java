package io.mrgc.enclave.service;

import static io.mrgc.enclave.service.EnclaveServiceTest.code;
import static io.mrgc.enclave.service.Fixture.asTenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.enclave.Decrypted;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.envelope.EnvelopeHeader;
import io.mrgc.wire.keys.DataKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 4 of issue #10 inside the enclave: an envelope is served once. Replays within the freshness window are
 * refused by the replay cache (409 replayed_envelope), after it by the timestamp (400 envelope_expired), v=1
 * (no timestamp) only behind a setting, and a full cache refuses rather than forgets.
 */
class ReplayAndFreshnessTest {
  @TempDir Path dir;
  Fixture f;
  DataKey key;

  @BeforeEach
  void setUp() throws Exception {
    f = new Fixture(dir);
    key = f.dataKey("acme", f.acmeKey);
  }

  private byte[] sealed(String rid, long ts) throws EnclaveException {
    return f.seal(key, EnvelopeHeader.v2("acme", f.acmeKey, Fixture.MODEL, Fixture.PATH, rid, ts), rid).envelope();
  }

  private static void serve(EnclaveService s, byte[] envelope) throws EnclaveException {
    Decrypted d = s.decryptRequest(asTenant(envelope, "acme"));
    s.encryptResponse(d.sessionId(), "ok".getBytes(StandardCharsets.UTF_8));
  }

  /** Fails without the replay cache: the same envelope was served twice. */
  @Test
  void theSameEnvelopeIsServedOnceThenRefusedAs409() throws Exception {
    EnclaveService s = f.service();
    byte[] envelope = sealed("r-1", f.millis.get());
    serve(s, envelope);
    assertThatThrownBy(() -> s.decryptRequest(asTenant(envelope, "acme")))
        .isInstanceOf(EnclaveException.class)
        .hasMessageContaining("already received")
        .satisfies(e -> {
          assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.REPLAYED_ENVELOPE);
          assertThat(((EnclaveException) e).code().httpStatus()).isEqualTo(409);
        });
    // the same request sealed anew (new IV) is a new envelope and is served
    serve(s, sealed("r-1", f.millis.get()));
    assertThat(s.rememberedEnvelopes()).isEqualTo(2);
  }

  /** Concurrent copies of one envelope: exactly one is served, whoever wins the race. */
  @Test
  void concurrentCopiesAreServedOnce() throws Exception {
    EnclaveService s = f.service();
    byte[] envelope = sealed("r-race", f.millis.get());
    serve(s, sealed("warm-the-key-cache", f.millis.get()));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<EnclaveErrorCode>> outcomes = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        outcomes.add(pool.submit((Callable<EnclaveErrorCode>) () -> {
          try {
            serve(s, envelope);
            return null;
          } catch (EnclaveException e) {
            return e.code();
          }
        }));
      }
      int served = 0;
      for (Future<EnclaveErrorCode> o : outcomes) {
        EnclaveErrorCode c = o.get();
        if (c == null) {
          served++;
        } else {
          assertThat(c).isEqualTo(EnclaveErrorCode.REPLAYED_ENVELOPE);
        }
      }
      assertThat(served).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Fails without the timestamp check: an old envelope (out of the replay cache) would be served again. */
  @Test
  void envelopesOutsideTheWindowAreExpired() throws Exception {
    long now = f.millis.get();
    f.millis.set(now - Duration.ofMinutes(10).toMillis());
    EnclaveService s = f.service(); // started 10 minutes ago
    f.millis.set(now);
    byte[] old = sealed("r-old", now - Duration.ofMinutes(5).toMillis() - 1000);
    assertThatThrownBy(() -> s.decryptRequest(asTenant(old, "acme")))
        .hasMessageContaining("up to 300 s old")
        .satisfies(e -> {
          assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.ENVELOPE_EXPIRED);
          assertThat(((EnclaveException) e).code().httpStatus()).isEqualTo(400);
        });
    byte[] ahead = sealed("r-ahead", now + 31_000);
    assertThatThrownBy(() -> s.decryptRequest(asTenant(ahead, "acme"))).hasMessageContaining("in the future")
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.ENVELOPE_EXPIRED));
    serve(s, sealed("r-skewed", now + 29_000)); // within the allowed skew
    serve(s, sealed("r-oldish", now - Duration.ofMinutes(4).toMillis()));

    // a served envelope, replayed after the window: refused by its timestamp (its cache entry has expired)
    byte[] served = sealed("r-served", now);
    serve(s, served);
    f.millis.addAndGet(Duration.ofMinutes(5).toMillis() + 1);
    code(() -> s.decryptRequest(asTenant(served, "acme")), EnclaveErrorCode.ENVELOPE_EXPIRED);
  }

  /**
   * A restarted enclave has an empty replay cache: what its predecessor served must not be served again. Envelopes
   * sealed before it started are refused as unverifiable (503, the SDK seals anew and retries); fails without the
   * start-time check.
   */
  @Test
  void aRestartedEnclaveRefusesWhatItsPredecessorMayHaveServed() throws Exception {
    EnclaveService before = f.service();
    byte[] served = sealed("r-1", f.millis.get() + 1000);
    serve(before, served);
    before.close();
    f.millis.addAndGet(2000);
    EnclaveService after = f.service(); // empty replay cache
    assertThatThrownBy(() -> after.decryptRequest(asTenant(served, "acme")))
        .hasMessageContaining("sealed before this enclave started")
        .satisfies(e -> {
          assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.REPLAY_UNVERIFIABLE);
          assertThat(((EnclaveException) e).code().httpStatus()).isEqualTo(503);
        });
    serve(after, sealed("r-1", f.millis.get())); // the retry, sealed anew
  }

  /** v=1 has no timestamp: refused by default with a message saying why, accepted (once) behind the setting. */
  @Test
  void v1IsRefusedUnlessEnabled() throws Exception {
    byte[] v1 = f.seal(key, EnvelopeHeader.v1("acme", f.acmeKey, Fixture.MODEL, Fixture.PATH, "r-v1"), "x")
        .envelope();
    assertThat(new String(v1, StandardCharsets.UTF_8)).startsWith("{\"v\":1,").doesNotContain("\"ts\"");
    EnclaveService strict = f.service();
    assertThatThrownBy(() -> strict.decryptRequest(asTenant(v1, "acme")))
        .hasMessageContaining("envelope v=1 is refused").hasMessageContaining("acceptV1")
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.MALFORMED));
    EnclaveService lenient = f.service(EnclaveServiceConfig.defaults()
        .withFreshness(EnvelopeFreshness.defaults().withAcceptV1(true)));
    Decrypted d = lenient.decryptRequest(asTenant(v1, "acme"));
    byte[] answer = lenient.encryptResponse(d.sessionId(), "v1 answer".getBytes(StandardCharsets.UTF_8));
    assertThat(new String(answer, StandardCharsets.UTF_8)).startsWith("{\"v\":1,");
    code(() -> lenient.decryptRequest(asTenant(v1, "acme")), EnclaveErrorCode.REPLAYED_ENVELOPE);
  }

  /** Fail closed: a full cache refuses new envelopes (503, retryable) and still remembers the old ones. */
  @Test
  void aFullReplayCacheRefusesInsteadOfForgetting() throws Exception {
    EnclaveService s = f.service(EnclaveServiceConfig.defaults()
        .withFreshness(EnvelopeFreshness.defaults().withReplayCacheEntries(2)));
    long now = f.millis.get();
    byte[] first = sealed("r-1", now);
    serve(s, first);
    serve(s, sealed("r-2", now + 1000));
    byte[] third = sealed("r-3", now + 2000);
    assertThatThrownBy(() -> s.decryptRequest(asTenant(third, "acme"))).hasMessageContaining("retry")
        .satisfies(e -> {
          assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.REPLAY_UNVERIFIABLE);
          assertThat(((EnclaveException) e).code().httpStatus()).isEqualTo(503);
        });
    code(() -> s.decryptRequest(asTenant(first, "acme")), EnclaveErrorCode.REPLAYED_ENVELOPE);
    assertThat(s.openSessions()).isZero();
    // once the first entry's window ends there is room again, and the refused envelope can be sent again
    f.millis.set(now + Duration.ofMinutes(5).toMillis() + 1);
    serve(s, third);
  }

  /** Only authenticated envelopes are remembered: a forged copy (same EDK and IV) cannot burn the real one. */
  @Test
  void aForgedCopyDoesNotBurnTheEnvelope() throws Exception {
    EnclaveService s = f.service();
    byte[] envelope = sealed("r-1", f.millis.get());
    String json = new String(envelope, StandardCharsets.UTF_8);
    int ct = json.indexOf("\"ct\":\"") + 6;
    byte[] forged = (json.substring(0, ct) + (json.charAt(ct) == 'A' ? 'B' : 'A') + json.substring(ct + 1))
        .getBytes(StandardCharsets.UTF_8);
    code(() -> s.decryptRequest(asTenant(forged, "acme")), EnclaveErrorCode.AEAD_FAILURE);
    code(() -> s.decryptRequest(asTenant(envelope, "globex")), EnclaveErrorCode.TENANT_MISMATCH);
    serve(s, envelope);
  }

  /** An envelope refused for want of a session is not remembered: the tenant may send it again. */
  @Test
  void anEnvelopeNotServedForLackOfSessionsCanBeSentAgain() throws Exception {
    EnclaveService s = f.service(EnclaveServiceConfig.defaults().withSessions(Duration.ofSeconds(60), 1));
    Decrypted open = s.decryptRequest(asTenant(sealed("r-1", f.millis.get()), "acme"));
    byte[] second = sealed("r-2", f.millis.get());
    code(() -> s.decryptRequest(asTenant(second, "acme")), EnclaveErrorCode.ENCLAVE_UNAVAILABLE);
    s.encryptResponse(open.sessionId(), new byte[0]);
    serve(s, second);
  }

  @Test
  void settingsAreValidated() {
    assertThatThrownBy(() -> new EnvelopeFreshness(Duration.ZERO, Duration.ZERO, 1, false))
        .hasMessage("maxAge must be a positive duration of at most PT24H, but was PT0S");
    assertThatThrownBy(() -> new EnvelopeFreshness(Duration.ofMinutes(1), Duration.ofMinutes(2), 1, false))
        .hasMessage("maxFutureSkew must be between PT0S and maxAge (PT1M), but was PT2M");
    assertThatThrownBy(() -> EnvelopeFreshness.defaults().withReplayCacheEntries(0))
        .hasMessage("replayCacheEntries must be between 1 and 10000000, but was 0");
    assertThat(EnvelopeFreshness.defaults().acceptV1()).isFalse();
  }
}
