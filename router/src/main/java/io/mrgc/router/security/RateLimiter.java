package io.mrgc.router.security;

import java.util.function.LongSupplier;

/**
 * Token buckets per key (a tenant id; for {@link AuthFailures}, a source address or an API key prefix): {@code burst} tokens at most, refilled at {@code rps} per second, one token per request.
 * The map holds at most {@code maxTenants} buckets (least recently used dropped; a dropped tenant starts again with
 * a full bucket, so the bound costs at most one extra burst per eviction). For tenants, only authenticated ones get a
 * bucket, so random keys cannot grow it.
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
      refill(bucket, rps, burst);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - bucket.tokens) / rps));
    }
  }

  /**
   * The whole seconds (at least 1) until the bucket has a token, or 0 when it has one now; takes nothing. A key
   * without a bucket has a full one.
   */
  public long peek(String key, double rps, int burst) {
    Bucket bucket = buckets.get(key);
    if (bucket == null) {
      return 0;
    }
    synchronized (bucket) {
      refill(bucket, rps, burst);
      return bucket.tokens >= 1 ? 0 : Math.max(1, (long) Math.ceil((1 - bucket.tokens) / rps));
    }
  }

  /** Takes one token if there is one (a charge that finds the bucket empty changes nothing). */
  public void charge(String key, double rps, int burst) {
    tryAcquire(key, rps, burst);
  }

  /** Gives back one token taken earlier (up to the burst); nothing for a key without a bucket. */
  public void refund(String key, double rps, int burst) {
    Bucket bucket = buckets.get(key);
    if (bucket != null) {
      synchronized (bucket) {
        refill(bucket, rps, burst);
        bucket.tokens = Math.min(burst, bucket.tokens + 1);
      }
    }
  }

  private void refill(Bucket bucket, double rps, int burst) {
    long now = nanoClock.getAsLong();
    double elapsedSeconds = Math.max(0, now - bucket.refilledAtNanos) / 1e9;
    bucket.tokens = Math.min(burst, bucket.tokens + elapsedSeconds * rps);
    bucket.refilledAtNanos = now;
  }

  /** Tenants with a bucket now. */
  public int size() {
    return buckets.size();
  }
}
