package io.mrgc.tenant;

import java.time.Duration;

/**
 * How {@link MrgcClient} retries a request that the service could not serve before answering (no connection, or an
 * error whose {@link io.mrgc.wire.ErrorCode} is retryable: the 502, 503 and 504 codes, and 429 with a short
 * {@code Retry-After}; see {@link MrgcException#retryable()}):
 * at most {@code maxAttempts} attempts in all; before retry
 * {@code n} it waits a random time in [0, min(maxBackoff, initialBackoff x 2^(n-1))) ("full jitter"), and it stops
 * early when that wait would take the whole call past {@code totalBudget}. Each attempt is a new envelope (fresh
 * request id and IV), so a retry never replays the earlier one.
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.custom().maxAttempts(5).initialBackoff(Duration.ofMillis(50)).build();
 * }</pre>
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration totalBudget) {
  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  public static final int MAX_ATTEMPTS_LIMIT = 10;
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(2);
  public static final Duration DEFAULT_TOTAL_BUDGET = Duration.ofSeconds(10);
  /** Each retry's backoff cap is this many times the previous one's (until {@code maxBackoff}). */
  public static final int MULTIPLIER = 2;
  private static final Duration MIN_DURATION = Duration.ofMillis(1);
  private static final Duration MAX_BACKOFF_LIMIT = Duration.ofMinutes(1);
  private static final Duration MAX_BUDGET_LIMIT = Duration.ofMinutes(10);

  public RetryPolicy {
    if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
      throw new IllegalArgumentException("maxAttempts must be between 1 and " + MAX_ATTEMPTS_LIMIT + ", but was "
          + maxAttempts);
    }
    if (!within(initialBackoff, MIN_DURATION, MAX_BACKOFF_LIMIT)) {
      throw new IllegalArgumentException("initialBackoff must be between 1 ms and 1 minute, but was "
          + initialBackoff);
    }
    if (!within(maxBackoff, initialBackoff, MAX_BACKOFF_LIMIT)) {
      throw new IllegalArgumentException("maxBackoff must be between initialBackoff (" + initialBackoff
          + ") and 1 minute, but was " + maxBackoff);
    }
    if (!within(totalBudget, MIN_DURATION, MAX_BUDGET_LIMIT)) {
      throw new IllegalArgumentException("totalBudget must be between 1 ms and 10 minutes, but was " + totalBudget);
    }
  }

  /** 3 attempts, 100 ms initial backoff doubling up to 2 s, 10 s in all. */
  public static RetryPolicy defaults() {
    return custom().build();
  }

  /** One attempt: every failure reaches the caller at once. */
  public static RetryPolicy none() {
    return custom().maxAttempts(1).build();
  }

  /** A builder that starts from the defaults. */
  public static Builder custom() {
    return new Builder();
  }

  private static boolean within(Duration value, Duration min, Duration max) {
    return value != null && value.compareTo(min) >= 0 && value.compareTo(max) <= 0;
  }

  /**
   * The wait before the next attempt, or -1 to stop.
   *
   * @param attemptsMade attempts made so far (1 after the first)
   * @param retryAfterNanos the answer's {@code Retry-After} (429) in nanoseconds, or -1 when it has none
   * @param elapsedNanos time spent on this call so far
   * @param jitter a random number in [0, 1)
   */
  long nextWaitNanos(int attemptsMade, long retryAfterNanos, long elapsedNanos, double jitter) {
    if (attemptsMade >= maxAttempts) {
      return -1;
    }
    long wait;
    if (retryAfterNanos >= 0) {
      if (retryAfterNanos > maxBackoff.toNanos()) {
        return -1;
      }
      wait = retryAfterNanos;
    } else {
      wait = (long) (backoffCapNanos(attemptsMade) * jitter);
    }
    return elapsedNanos + wait > totalBudget.toNanos() ? -1 : wait;
  }

  /** min(maxBackoff, initialBackoff x MULTIPLIER^(retry-1)) for retry 1, 2, ... */
  long backoffCapNanos(int retry) {
    long cap = initialBackoff.toNanos();
    for (int i = 1; i < retry && cap < maxBackoff.toNanos(); i++) {
      cap *= MULTIPLIER;
    }
    return Math.min(cap, maxBackoff.toNanos());
  }

  /** Settings in resilience4j style; {@link #build()} checks them. */
  public static final class Builder {
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration totalBudget = DEFAULT_TOTAL_BUDGET;

    private Builder() {}

    /** Attempts in all, the first included: 1 (no retry) to 10. */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** The backoff cap before the first retry; it doubles for each later one. */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
      return this;
    }

    /** The largest backoff, and the longest {@code Retry-After} of a 429 that is still waited out. */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
      return this;
    }

    /** No retry starts whose backoff would end later than this after the call began. */
    public Builder totalBudget(Duration totalBudget) {
      this.totalBudget = totalBudget;
      return this;
    }

    public RetryPolicy build() {
      return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, totalBudget);
    }
  }
}
