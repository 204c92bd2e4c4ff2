package io.mrgc.enclave.service;

import java.time.Duration;

/**
 * How the enclave refuses old and replayed envelopes (docs/protocol.md section 5).
 *
 * @param maxAge how old (by its {@code ts}) a v=2 envelope may be when it arrives; older ones are refused with
 *     ENVELOPE_EXPIRED. Also how long each opened envelope is remembered for replay detection (default 5 min)
 * @param maxFutureSkew how far in the future a {@code ts} may be (the sender's clock running ahead); beyond,
 *     ENVELOPE_EXPIRED (default 30 s)
 * @param replayCacheEntries envelopes remembered at once (about 120 bytes each: 30 MiB at the default 262144, which
 *     holds 870 requests/s for 5 min); when full of unexpired entries new envelopes are refused with
 *     REPLAY_UNVERIFIABLE (503, retryable) instead of forgetting one
 * @param acceptV1 whether v=1 envelopes (no timestamp, so replayable once they leave the replay cache) are opened;
 *     default false: they are refused with MALFORMED and a message saying so
 */
public record EnvelopeFreshness(Duration maxAge, Duration maxFutureSkew, int replayCacheEntries, boolean acceptV1) {
  public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(5);
  public static final Duration DEFAULT_MAX_FUTURE_SKEW = Duration.ofSeconds(30);
  public static final int DEFAULT_REPLAY_CACHE_ENTRIES = 262_144;
  public static final boolean DEFAULT_ACCEPT_V1 = false;
  private static final Duration MAX_WINDOW = Duration.ofHours(24);

  public EnvelopeFreshness {
    if (maxAge == null || maxAge.isZero() || maxAge.isNegative() || maxAge.compareTo(MAX_WINDOW) > 0) {
      throw new IllegalArgumentException("maxAge must be a positive duration of at most PT24H, but was " + maxAge);
    }
    if (maxFutureSkew == null || maxFutureSkew.isNegative() || maxFutureSkew.compareTo(maxAge) > 0) {
      throw new IllegalArgumentException("maxFutureSkew must be between PT0S and maxAge (" + maxAge + "), but was "
          + maxFutureSkew);
    }
    if (replayCacheEntries < 1 || replayCacheEntries > 10_000_000) {
      throw new IllegalArgumentException(
          "replayCacheEntries must be between 1 and 10000000, but was " + replayCacheEntries);
    }
  }

  public static EnvelopeFreshness defaults() {
    return new EnvelopeFreshness(DEFAULT_MAX_AGE, DEFAULT_MAX_FUTURE_SKEW, DEFAULT_REPLAY_CACHE_ENTRIES,
        DEFAULT_ACCEPT_V1);
  }

  public EnvelopeFreshness withAcceptV1(boolean accept) {
    return new EnvelopeFreshness(maxAge, maxFutureSkew, replayCacheEntries, accept);
  }

  public EnvelopeFreshness withReplayCacheEntries(int entries) {
    return new EnvelopeFreshness(maxAge, maxFutureSkew, entries, acceptV1);
  }
}
