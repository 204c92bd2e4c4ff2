package io.mrgc.router.security;

import io.mrgc.state.ApiKeys;
import io.mrgc.state.items.TenantItem;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Finds the tenant of an API key: SHA-256 of the key, then the {@code tenants} row through GSI
 * {@code by_api_key_hash}, cached per hash.
 *
 * <ul>
 *   <li>A found tenant is used for {@code ttl} (30 s) before it is read again; a key found unknown is refused for
 *       {@code negativeTtl} (5 s) without a read. Both caches are LRU maps of at most {@code maxEntries} each, kept
 *       apart so that a flood of random keys only churns the unknown-key cache and never evicts real tenants.</li>
 *   <li>A key that is not {@link ApiKeys#isWellFormed well formed} is refused without a read or a cache entry.</li>
 *   <li>Concurrent lookups of one hash share one read; at most {@link #MAX_CONCURRENT_LOOKUPS} reads are in flight,
 *       past that an uncached key gets {@link Outcome#UNAVAILABLE} (the caller answers 503).</li>
 *   <li>When the read fails (DynamoDB down), a tenant found earlier keeps being served even past its TTL (the read
 *       is retried at most every {@link #FAILED_READ_RETRY}); with nothing cached the answer is
 *       {@link Outcome#UNAVAILABLE}.</li>
 * </ul>
 * Keys and hashes are never logged or put in messages.
 */
public final class TenantAuthenticator {
  public static final int MAX_CONCURRENT_LOOKUPS = 64;
  public static final Duration FAILED_READ_RETRY = Duration.ofSeconds(2);

  /** How a lookup ended. */
  public enum Outcome { FOUND, UNKNOWN, UNAVAILABLE }

  /** The answer: the tenant when {@link Outcome#FOUND} (never a disabled one), else null. */
  public record Result(Outcome outcome, TenantItem tenant) {
    static final Result UNKNOWN = new Result(Outcome.UNKNOWN, null);
    static final Result UNAVAILABLE = new Result(Outcome.UNAVAILABLE, null);

    static Result of(TenantItem tenant) {
      return tenant.isDisabled() ? UNKNOWN : new Result(Outcome.FOUND, tenant);
    }
  }

  /** The table read: the tenant with this key hash, or null. */
  @FunctionalInterface
  public interface Lookup {
    CompletableFuture<TenantItem> byApiKeyHash(String apiKeyHash);
  }

  private static final class Found {
    final TenantItem tenant;
    long expiresAtNanos;

    Found(TenantItem tenant, long expiresAtNanos) {
      this.tenant = tenant;
      this.expiresAtNanos = expiresAtNanos;
    }
  }

  private final Context context;
  private final Lookup lookup;
  private final long ttlNanos;
  private final long negativeTtlNanos;
  private final LongSupplier nanoClock;
  private final BoundedLruMap<String, Found> found;
  private final BoundedLruMap<String, Long> unknownUntil;
  private final Map<String, Future<Result>> inFlight = new HashMap<>();
  private long reads;

  public TenantAuthenticator(Context context, Lookup lookup, Duration ttl, Duration negativeTtl, int maxEntries,
      LongSupplier nanoClock) {
    this.context = context;
    this.lookup = lookup;
    this.ttlNanos = ttl.toNanos();
    this.negativeTtlNanos = negativeTtl.toNanos();
    this.nanoClock = nanoClock;
    this.found = new BoundedLruMap<>(maxEntries);
    this.unknownUntil = new BoundedLruMap<>(maxEntries);
  }

  /** Resolves {@code apiKey} (null = none sent) on this authenticator's context. */
  public Future<Result> authenticate(String apiKey) {
    if (!ApiKeys.isWellFormed(apiKey)) {
      return Future.succeededFuture(Result.UNKNOWN);
    }
    String hash = ApiKeys.hash(apiKey);
    long now = nanoClock.getAsLong();
    Found cached = found.get(hash);
    if (cached != null && now - cached.expiresAtNanos < 0) {
      return Future.succeededFuture(Result.of(cached.tenant));
    }
    if (cached == null) {
      Long until = unknownUntil.get(hash);
      if (until != null && now - until < 0) {
        return Future.succeededFuture(Result.UNKNOWN);
      }
    }
    synchronized (inFlight) {
      Future<Result> pending = inFlight.get(hash);
      if (pending != null) {
        return pending;
      }
      if (inFlight.size() >= MAX_CONCURRENT_LOOKUPS) {
        return Future.succeededFuture(cached != null ? Result.of(cached.tenant) : Result.UNAVAILABLE);
      }
      reads++;
      CompletableFuture<TenantItem> read;
      try {
        read = lookup.byApiKeyHash(hash);
      } catch (RuntimeException e) {
        read = CompletableFuture.failedFuture(e);
      }
      Future<Result> result = Future.fromCompletionStage(read, context).transform(done -> {
        synchronized (inFlight) {
          inFlight.remove(hash);
        }
        return Future.succeededFuture(settle(apiKey, hash, done.succeeded(), done.result()));
      });
      if (!result.isComplete()) {
        inFlight.put(hash, result);
      }
      return result;
    }
  }

  private Result settle(String apiKey, String hash, boolean succeeded, TenantItem tenant) {
    long now = nanoClock.getAsLong();
    if (succeeded) {
      // The index matched the hash already; compare again (constant time) so that only a row carrying exactly
      // this key's hash can authenticate it.
      if (tenant == null || !ApiKeys.matches(apiKey, tenant.getApiKeyHash())) {
        found.remove(hash);
        unknownUntil.put(hash, now + negativeTtlNanos);
        return Result.UNKNOWN;
      }
      found.put(hash, new Found(tenant, now + ttlNanos));
      unknownUntil.remove(hash);
      return Result.of(tenant);
    }
    Found stale = found.get(hash);
    if (stale != null) {
      stale.expiresAtNanos = now + Math.min(ttlNanos, FAILED_READ_RETRY.toNanos());
      return Result.of(stale.tenant);
    }
    return Result.UNAVAILABLE;
  }

  /** Entries in the found-tenant cache. */
  public int cachedTenants() {
    return found.size();
  }

  /** Entries in the unknown-key cache. */
  public int cachedUnknownKeys() {
    return unknownUntil.size();
  }

  /** Table reads started so far. */
  public long reads() {
    synchronized (inFlight) {
      return reads;
    }
  }
}
