package io.mrgc.router.security;

import io.mrgc.state.ApiKeys;
import java.util.function.LongSupplier;

/**
 * Failed authentications per source address and per API key prefix, as token buckets: each failure takes a token
 * from both, and while either is empty further attempts from that source or with that prefix are refused (429
 * {@code auth_rate_limited}) before any cache or table lookup. A source is the PROXY v2 source address when the
 * connection came through the PrivateLink listener, else the peer address. The prefix is the first
 * {@link #PREFIX_CHARS} characters after {@link ApiKeys#PREFIX} (the constant part would put every key in one
 * bucket). Both maps are bounded LRU maps, so a flood from many sources or of many prefixes only churns them.
 */
public final class AuthFailures {
  /** Random characters of a key that name its bucket. */
  public static final int PREFIX_CHARS = 8;
  /** Bucket of keys too short or malformed to have a prefix. */
  static final String MALFORMED = "(malformed)";

  private final RateLimiter bySource;
  private final RateLimiter byPrefix;
  private final double perSecond;
  private final int burst;

  public AuthFailures(double perSecond, int burst, int trackedKeys, LongSupplier nanoClock) {
    this.bySource = new RateLimiter(trackedKeys, nanoClock);
    this.byPrefix = new RateLimiter(trackedKeys, nanoClock);
    this.perSecond = perSecond;
    this.burst = burst;
  }

  /** 0 when the source and the key's prefix may try again now, else the Retry-After in whole seconds. */
  public long retryAfter(String source, String apiKey) {
    long prefix = byPrefix.peek(prefixOf(apiKey), perSecond, burst);
    return source == null ? prefix : Math.max(prefix, bySource.peek(source, perSecond, burst));
  }

  /**
   * Counts a failed authentication against the source and the key's prefix. Also called when a table read for an
   * uncached key starts, before its answer: otherwise a source sending many keys at once would have them all read
   * before the first failure counted; {@link #succeeded} gives the token back when the key turns out valid.
   */
  public void failed(String source, String apiKey) {
    if (source != null) {
      bySource.charge(source, perSecond, burst);
    }
    byPrefix.charge(prefixOf(apiKey), perSecond, burst);
  }

  /** Gives back what {@link #failed} took for a lookup that found a tenant (or could not be judged). */
  public void succeeded(String source, String apiKey) {
    if (source != null) {
      bySource.refund(source, perSecond, burst);
    }
    byPrefix.refund(prefixOf(apiKey), perSecond, burst);
  }

  static String prefixOf(String apiKey) {
    int start = ApiKeys.PREFIX.length();
    if (apiKey == null || !apiKey.startsWith(ApiKeys.PREFIX) || apiKey.length() < start + PREFIX_CHARS) {
      return MALFORMED;
    }
    return apiKey.substring(start, start + PREFIX_CHARS);
  }
}
