package io.mrgc.enclave.service;

import io.mrgc.enclave.client.EnclaveClientConfig;
import io.mrgc.wire.envelope.EnvelopeCodec;
import java.time.Duration;

/**
 * Settings of the {@link EnclaveService}. Defaults: envelopes up to 2 MiB, data key cache 1024 entries / 5 min /
 * 10000 uses, response sessions live 60 s, at most 4096 open sessions, freshness per {@link EnvelopeFreshness},
 * KMS calls cut off after 2 s.
 *
 * @param kmsTimeout deadline of one data-key fetch from KMS (Decrypt with Recipient, and the wait for another
 *     request's fetch of the same key); past it the request fails with KMS_UNAVAILABLE (503, retryable) instead of
 *     holding an enclave worker. Must be shorter than the enclave client's call timeout
 *     ({@link #requireKmsTimeoutShorterThan}), so the parent hears KMS_UNAVAILABLE rather than its own timeout
 */
public record EnclaveServiceConfig(
    int maxEnvelopeBytes, DataKeyCache.Limits cache, Duration sessionTtl, int maxSessions,
    EnvelopeFreshness freshness, Duration kmsTimeout) {
  public static final Duration DEFAULT_SESSION_TTL = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_SESSIONS = 4096;
  public static final Duration DEFAULT_KMS_TIMEOUT = Duration.ofSeconds(2);

  public EnclaveServiceConfig {
    if (maxEnvelopeBytes < 1024 || maxEnvelopeBytes > 64 * 1024 * 1024) {
      throw new IllegalArgumentException(
          "maxEnvelopeBytes must be between 1024 and 67108864, but was " + maxEnvelopeBytes);
    }
    if (cache == null) {
      throw new IllegalArgumentException("cache must be set");
    }
    if (sessionTtl == null || sessionTtl.isZero() || sessionTtl.isNegative()) {
      throw new IllegalArgumentException("sessionTtl must be a positive duration, but was " + sessionTtl);
    }
    if (maxSessions < 1 || maxSessions > 1_000_000) {
      throw new IllegalArgumentException("maxSessions must be between 1 and 1000000, but was " + maxSessions);
    }
    if (freshness == null) {
      throw new IllegalArgumentException("freshness must be set");
    }
    if (kmsTimeout == null || kmsTimeout.isZero() || kmsTimeout.isNegative()) {
      throw new IllegalArgumentException("kmsTimeout must be a positive duration, but was " + kmsTimeout);
    }
  }

  public static EnclaveServiceConfig defaults() {
    return new EnclaveServiceConfig(EnvelopeCodec.DEFAULT_MAX_ENVELOPE_BYTES, DataKeyCache.Limits.defaults(),
        DEFAULT_SESSION_TTL, DEFAULT_MAX_SESSIONS, EnvelopeFreshness.defaults(), DEFAULT_KMS_TIMEOUT);
  }

  /**
   * Checks that a KMS call ends before the parent's call does (where both sides are configured together).
   *
   * @throws IllegalArgumentException "kmsTimeout must be shorter than the enclave client's callTimeout (PT5S), but
   *     was PT6S"
   */
  public EnclaveServiceConfig requireKmsTimeoutShorterThan(Duration clientCallTimeout) {
    if (kmsTimeout.compareTo(clientCallTimeout) >= 0) {
      throw new IllegalArgumentException("kmsTimeout must be shorter than the enclave client's callTimeout ("
          + clientCallTimeout + "), but was " + kmsTimeout);
    }
    return this;
  }

  /** {@link #requireKmsTimeoutShorterThan} against a client's settings. */
  public EnclaveServiceConfig requireCompatibleWith(EnclaveClientConfig client) {
    return requireKmsTimeoutShorterThan(client.callTimeout());
  }

  public EnclaveServiceConfig withCache(DataKeyCache.Limits limits) {
    return new EnclaveServiceConfig(maxEnvelopeBytes, limits, sessionTtl, maxSessions, freshness, kmsTimeout);
  }

  public EnclaveServiceConfig withSessions(Duration ttl, int max) {
    return new EnclaveServiceConfig(maxEnvelopeBytes, cache, ttl, max, freshness, kmsTimeout);
  }

  public EnclaveServiceConfig withMaxEnvelopeBytes(int bytes) {
    return new EnclaveServiceConfig(bytes, cache, sessionTtl, maxSessions, freshness, kmsTimeout);
  }

  public EnclaveServiceConfig withFreshness(EnvelopeFreshness f) {
    return new EnclaveServiceConfig(maxEnvelopeBytes, cache, sessionTtl, maxSessions, f, kmsTimeout);
  }

  public EnclaveServiceConfig withKmsTimeout(Duration timeout) {
    return new EnclaveServiceConfig(maxEnvelopeBytes, cache, sessionTtl, maxSessions, freshness, timeout);
  }
}
