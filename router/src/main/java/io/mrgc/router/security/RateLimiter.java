package io.mrgc.router.security;

import java.util.function.LongSupplier;

/**
 * Per-tenant token buckets: {@code burst} tokens at most, refilled at {@code rps} per second, one token per request.
 * The map holds at most {@code maxTenants} buckets (least recently used dropped; a dropped tenant starts again with
 * a full bucket, so the bound costs at most one extra burst per eviction). Only authenticated tenants get a bucket,
 * so random keys cannot grow it.
 */
public final class RateLimiter {
  private static final class Bucket {
    double tokens;
    long refilledAtNanos;

    Bucket(double tokens, long refilledAtNanos) {
      this.tokens = tokens;
      this.refilledAtNanos = refilledAtNanos;
    }
  }

  private final BoundedLruMap<String, Bucket> buckets;
  private final LongSupplier nanoClock;

  public RateLimiter(int maxTenants, LongSupplier nanoClock) {
    this.buckets = new BoundedLruMap<>(maxTenants);
    this.nanoClock = nanoClock;
  }

  /**
   * Takes one token from the tenant's bucket. Returns 0 when the request may go, else the whole seconds (at least
   * 1) until a token will be there: the Retry-After value.
   */
  public long tryAcquire(String tenantId, double rps, int burst) {
    long now = nanoClock.getAsLong();
    Bucket bucket = buckets.get(tenantId);
    if (bucket == null) {
      bucket = new Bucket(burst, now);
      buckets.put(tenantId, bucket);
    }
    synchronized (bucket) {
      double elapsedSeconds = Math.max(0, now - bucket.refilledAtNanos) / 1e9;
      bucket.tokens = Math.min(burst, bucket.tokens + elapsedSeconds * rps);
      bucket.refilledAtNanos = now;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - bucket.tokens) / rps));
    }
  }

  /** Tenants with a bucket now. */
  public int size() {
    return buckets.size();
  }
}
