package io.mrgc.tenant;

import java.time.Duration;

/**
 * How long the SDK reuses one data key: at most {@code maxAge} and {@code maxMessages} requests, then it asks KMS for
 * a new one. Reuse keeps KMS calls (and their latency and cost) to about 1/maxMessages per request; the bounds keep
 * what one key protects small. AES-GCM with random 96-bit IVs stays far below its safe limit (2^32 messages per key).
 */
public record DataKeyReuse(Duration maxAge, int maxMessages) {
  public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(5);
  public static final int DEFAULT_MAX_MESSAGES = 1000;
  /** A hard ceiling on reuse, well inside AES-GCM's random-IV bound. */
  public static final int MAX_MESSAGES_LIMIT = 1_000_000;

  public DataKeyReuse {
    if (maxAge == null || maxAge.isNegative() || maxAge.isZero() || maxAge.compareTo(Duration.ofHours(24)) > 0) {
      throw new IllegalArgumentException("maxAge must be between 1 ms and 24 hours, but was " + maxAge);
    }
    if (maxMessages < 1 || maxMessages > MAX_MESSAGES_LIMIT) {
      throw new IllegalArgumentException("maxMessages must be between 1 and " + MAX_MESSAGES_LIMIT + ", but was "
          + maxMessages);
    }
  }

  public static DataKeyReuse defaults() {
    return new DataKeyReuse(DEFAULT_MAX_AGE, DEFAULT_MAX_MESSAGES);
  }

  /** A new data key for every request (the most KMS calls; for comparison and the most cautious tenants). */
  public static DataKeyReuse none() {
    return new DataKeyReuse(DEFAULT_MAX_AGE, 1);
  }
}
