package io.mrgc.enclave.service;

import io.mrgc.enclave.envelope.EnvelopeCodec;
import java.time.Duration;

/**
 * Settings of the {@link EnclaveService}. Defaults: envelopes up to 2 MiB, data key cache 1024 entries / 5 min /
 * 10000 uses, response sessions live 60 s, at most 4096 open sessions.
 */
public record EnclaveServiceConfig(
    int maxEnvelopeBytes, DataKeyCache.Limits cache, Duration sessionTtl, int maxSessions) {
  public static final Duration DEFAULT_SESSION_TTL = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_SESSIONS = 4096;

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
  }

  public static EnclaveServiceConfig defaults() {
    return new EnclaveServiceConfig(EnvelopeCodec.DEFAULT_MAX_ENVELOPE_BYTES, DataKeyCache.Limits.defaults(),
        DEFAULT_SESSION_TTL, DEFAULT_MAX_SESSIONS);
  }

  public EnclaveServiceConfig withCache(DataKeyCache.Limits limits) {
    return new EnclaveServiceConfig(maxEnvelopeBytes, limits, sessionTtl, maxSessions);
  }

  public EnclaveServiceConfig withSessions(Duration ttl, int max) {
    return new EnclaveServiceConfig(maxEnvelopeBytes, cache, ttl, max);
  }

  public EnclaveServiceConfig withMaxEnvelopeBytes(int bytes) {
    return new EnclaveServiceConfig(bytes, cache, sessionTtl, maxSessions);
  }
}
