package io.mrgc.router.security;

import io.mrgc.state.ApiKeys;
import io.mrgc.state.items.TenantItem;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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
 *   <li>Concurrent lookups of one hash share one read; at most {@link #MAX_CONCURRENT_LOOKUPS} reads are in flight.
 *       Past that, lookups wait in a queue per source address (at most {@code lookupsPerSource} each, at most
 *       {@code lookupSources} sources), served round-robin across sources, so a flood of random keys from some
 *       sources delays another source's lookup by one read per flooding source, never refuses it; only a lookup
 *       past those bounds gets {@link Outcome#UNAVAILABLE} (the caller answers 503).</li>
 *   <li>With {@link AuthFailures}, a source or key prefix that failed too often gets {@link Outcome#RATE_LIMITED}
 *       without a table read; a key whose tenant is cached is never limited.</li>
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
  public enum Outcome { FOUND, UNKNOWN, UNAVAILABLE, RATE_LIMITED }

  /**
   * The answer: the tenant when {@link Outcome#FOUND} (never a disabled one), else null; for
   * {@link Outcome#RATE_LIMITED}, the Retry-After in seconds.
   */
  public record Result(Outcome outcome, TenantItem tenant, long retryAfterSeconds) {
    static final Result UNKNOWN = new Result(Outcome.UNKNOWN, null, 0);
    static final Result UNAVAILABLE = new Result(Outcome.UNAVAILABLE, null, 0);

    static Result of(TenantItem tenant) {
      return tenant.isDisabled() ? UNKNOWN : new Result(Outcome.FOUND, tenant, 0);
    }

    static Result rateLimited(long retryAfterSeconds) {
      return new Result(Outcome.RATE_LIMITED, null, retryAfterSeconds);
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
  /** Lookups started or waiting, by key hash (a second lookup of the same hash shares the first one's answer). */
  private final Map<String, Future<Result>> inFlight = new HashMap<>();
  private final LookupQueue waiting;
  private final AuthFailures failures;
  private int running;
  private long reads;

  /** No failure limit, the default lookup queue bounds. */
  public TenantAuthenticator(Context context, Lookup lookup, Duration ttl, Duration negativeTtl, int maxEntries,
      LongSupplier nanoClock) {
    this(context, lookup, ttl, negativeTtl, maxEntries, nanoClock, null,
        io.mrgc.router.IngressLimits.DEFAULT_AUTH_LOOKUPS_PER_SOURCE,
        io.mrgc.router.IngressLimits.DEFAULT_AUTH_LOOKUP_SOURCES);
  }

  /** {@code failures} null: no limit on failed authentications. */
  public TenantAuthenticator(Context context, Lookup lookup, Duration ttl, Duration negativeTtl, int maxEntries,
      LongSupplier nanoClock, AuthFailures failures, int lookupsPerSource, int lookupSources) {
    this.failures = failures;
    this.waiting = new LookupQueue(lookupsPerSource, lookupSources);
    this.context = context;
    this.lookup = lookup;
    this.ttlNanos = ttl.toNanos();
    this.negativeTtlNanos = negativeTtl.toNanos();
    this.nanoClock = nanoClock;
    this.found = new BoundedLruMap<>(maxEntries);
    this.unknownUntil = new BoundedLruMap<>(maxEntries);
  }

  /** Resolves {@code apiKey} (null = none sent) on this authenticator's context, from no particular source. */
  public Future<Result> authenticate(String apiKey) {
    return authenticate(apiKey, null);
  }

  /**
   * Resolves {@code apiKey} (null = none sent) on this authenticator's context; {@code source} is the client's
   * address (failures are limited and lookups queued per source; null = not known).
   */
  public Future<Result> authenticate(String apiKey, String source) {
    String hash = ApiKeys.isWellFormed(apiKey) ? ApiKeys.hash(apiKey) : null;
    long now = nanoClock.getAsLong();
    Found cached = hash == null ? null : found.get(hash);
    if (cached != null && now - cached.expiresAtNanos < 0) {
      return Future.succeededFuture(Result.of(cached.tenant));
    }
    long retryAfter = cached == null && failures != null ? failures.retryAfter(source, apiKey) : 0;
    if (retryAfter > 0) {
      return Future.succeededFuture(Result.rateLimited(retryAfter)); // answered without a table read
    }
    if (hash == null) {
      return Future.succeededFuture(failed(source, apiKey));
    }
    if (cached == null) {
      Long until = unknownUntil.get(hash);
      if (until != null && now - until < 0) {
        return Future.succeededFuture(failed(source, apiKey));
      }
    }
    synchronized (inFlight) {
      Future<Result> pending = inFlight.get(hash);
      if (pending != null) {
        return pending;
      }
      if (failures != null) {
        failures.failed(source, apiKey); // counted now, refunded if the key is valid (see AuthFailures#failed)
      }
      Promise<Result> answer = Promise.promise();
      LookupQueue.Waiting lookup = new LookupQueue.Waiting(apiKey, hash, source, answer);
      if (running < MAX_CONCURRENT_LOOKUPS) {
        start(lookup);
      } else if (!waiting.offer(lookup)) {
        if (failures != null) {
          failures.succeeded(source, apiKey); // not read: nothing was learned about the key
        }
        return Future.succeededFuture(cached != null ? Result.of(cached.tenant) : Result.UNAVAILABLE);
      }
      Future<Result> result = answer.future();
      if (!result.isComplete()) {
        inFlight.put(hash, result);
      }
      return result;
    }
  }

  private Result failed(String source, String apiKey) {
    if (failures != null) {
      failures.failed(source, apiKey);
    }
    return Result.UNKNOWN;
  }

  /** Starts the table read of a lookup; holds the {@code inFlight} lock. */
  private void start(LookupQueue.Waiting lookup) {
    running++;
    reads++;
    CompletableFuture<TenantItem> read;
    try {
      read = this.lookup.byApiKeyHash(lookup.hash());
    } catch (RuntimeException e) {
      read = CompletableFuture.failedFuture(e);
    }
    Future.fromCompletionStage(read, context).onComplete(done -> {
      Result result = settle(lookup.apiKey(), lookup.hash(), done.succeeded(), done.result());
      if (failures != null && result.outcome() != Outcome.UNKNOWN) {
        failures.succeeded(lookup.source(), lookup.apiKey()); // only an unknown key stays counted as a failure
      }
      synchronized (inFlight) {
        inFlight.remove(lookup.hash());
        running--;
        LookupQueue.Waiting next = waiting.poll();
        if (next != null) {
          start(next);
        }
      }
      lookup.answer().complete(result);
    });
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

  /** Lookups waiting for a free read now. */
  public int waitingLookups() {
    synchronized (inFlight) {
      return waiting.size();
    }
  }

  /** Table reads started so far. */
  public long reads() {
    synchronized (inFlight) {
      return reads;
    }
  }
}
