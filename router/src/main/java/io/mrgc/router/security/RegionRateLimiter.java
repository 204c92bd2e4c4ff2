package io.mrgc.router.security;

import io.mrgc.router.RegionRateLimits;
import io.mrgc.router.metrics.RouterMetrics;
import io.mrgc.state.RateLimitRepository;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Per-tenant rate limits for the whole region, shared by its routers: one token bucket per tenant and region in the
 * {@code rate_limits} table ({@link RateLimitRepository}), from which this router takes tokens in leases of at most
 * {@link RegionRateLimits#leaseTokens()} (capped at the burst) and serves requests from them locally. A request
 * waits for DynamoDB only when this router holds no token of its tenant; the next lease is taken in the background
 * once half of one is spent, and never so much that this router holds more than one lease's worth. An empty regional
 * bucket is remembered until it has a token again (those requests get 429 without a table call).
 *
 * <p>Across the region, the requests accepted in any interval of length t are at most
 * {@code rps x t + burst + N x leaseTokens} (N routers; tokens a router leased before t and spends within it), plus
 * {@code rps x d} for a clock skew d between routers. One router alone may use the region's whole bucket.
 *
 * <p>When the table cannot be reached (a lease fails), the router decides alone for
 * {@link RegionRateLimits#fallbackProbeInterval()} at a time, with a local bucket of {@code rps / N} and
 * {@code burst / N} (at least 1), N the routers of the region with recent metrics rows, and tries the table again
 * in the background; the fallback is counted in metrics. Confined to the router's event loop ({@code context}).
 */
public final class RegionRateLimiter {
  /** Takes tokens from a region's bucket: {@link RateLimitRepository#lease}, or a stand-in in tests. */
  @FunctionalInterface
  public interface Leases {
    CompletableFuture<RateLimitRepository.Lease> lease(String tenantId, String region, double rps, int burst,
        int wanted, long nowMicros, long tatHint);
  }

  /** This router's share of one tenant's regional bucket. */
  private static final class Share {
    int tokens;
    long tatHint;
    long emptyUntilNanos;
    Future<Void> pending;
    /**
     * Requests waiting for a token, first come first served. A queue, not a chain of futures: a request that waits
     * through many leases (a busy router, many waiters per lease) must not build a future chain as deep as the
     * leases it waited through, whose completion would overflow the stack.
     */
    final ArrayDeque<Promise<Long>> waiting = new ArrayDeque<>();
  }

  private final Context context;
  private final String region;
  private final Leases leases;
  private final RegionRateLimits limits;
  private final BoundedLruMap<String, Share> shares;
  private final RateLimiter fallback;
  private final IntSupplier liveRouters;
  private final RouterMetrics metrics;
  private final LongSupplier nanoClock;
  private final LongSupplier wallMicros;
  /** While deciding alone: when to try the table again (0: the table answers). */
  private long fallbackUntilNanos;

  public RegionRateLimiter(Context context, String region, Leases leases, RegionRateLimits limits, int maxTenants,
      IntSupplier liveRouters, RouterMetrics metrics, LongSupplier nanoClock, LongSupplier wallMicros) {
    this.context = context;
    this.region = region;
    this.leases = leases;
    this.limits = limits;
    this.shares = new BoundedLruMap<>(maxTenants);
    this.fallback = new RateLimiter(maxTenants, nanoClock);
    this.liveRouters = liveRouters;
    this.metrics = metrics;
    this.nanoClock = nanoClock;
    this.wallMicros = wallMicros;
    metrics.watchRateLimits(() -> fallbackUntilNanos != 0, liveRouters);
  }

  /**
   * Takes one token of the tenant's regional bucket: 0 when the request may go, else the whole seconds (at least 1)
   * until a token is there, the Retry-After value. Call on the router's event loop.
   */
  public Future<Long> acquire(String tenantId, double rps, int burst) {
    Share share = shares.get(tenantId);
    if (share == null) {
      share = new Share();
      shares.put(tenantId, share);
    }
    return acquire(tenantId, share, rps, burst);
  }

  private Future<Long> acquire(String tenantId, Share share, double rps, int burst) {
    if (share.waiting.isEmpty()) {
      Long decided = decide(tenantId, share, rps, burst);
      if (decided != null) {
        return Future.succeededFuture(decided);
      }
    }
    // No token here: wait, in turn, for a lease (one at a time per tenant); each lease grants, finds the bucket
    // empty, or fails into the fallback, and then serves the waiting requests (serve).
    Promise<Long> promise = Promise.promise();
    share.waiting.add(promise);
    lease(tenantId, share, rps, burst);
    return promise.future();
  }

  /** The decision for one request now, or null when it has to wait for a lease. */
  private Long decide(String tenantId, Share share, double rps, int burst) {
    long now = nanoClock.getAsLong();
    if (share.tokens >= 1) {
      share.tokens--;
      prefetch(tenantId, share, rps, burst);
      return 0L;
    }
    if (fallbackUntilNanos != 0) {
      return alone(tenantId, share, rps, burst, now);
    }
    if (now < share.emptyUntilNanos) {
      return seconds(share.emptyUntilNanos - now);
    }
    return null;
  }

  /** After a lease: decides the waiting requests in turn, and leases again for those still waiting. */
  private void serve(String tenantId, Share share, double rps, int burst) {
    while (!share.waiting.isEmpty()) {
      Long decided = decide(tenantId, share, rps, burst);
      if (decided == null) {
        lease(tenantId, share, rps, burst);
        return;
      }
      share.waiting.poll().complete(decided);
    }
  }

  /** Leases the next tokens in the background once half a lease is spent (and the bucket is not known empty). */
  private void prefetch(String tenantId, Share share, double rps, int burst) {
    if (share.tokens <= chunk(burst) / 2 && share.pending == null && fallbackUntilNanos == 0
        && nanoClock.getAsLong() >= share.emptyUntilNanos) {
      lease(tenantId, share, rps, burst);
    }
  }

  /** The request's decision while the table is unreachable; tries the table again every probe interval. */
  private long alone(String tenantId, Share share, double rps, int burst, long now) {
    if (now >= fallbackUntilNanos && share.pending == null) {
      fallbackUntilNanos = now + limits.fallbackProbeInterval().toNanos(); // one probe per interval
      lease(tenantId, share, rps, burst);
    }
    int routers = Math.max(1, liveRouters.getAsInt());
    long retryAfter = fallback.tryAcquire(tenantId, rps / routers, Math.max(1, burst / routers));
    metrics.rateLimitFallbackDecision(retryAfter == 0);
    return retryAfter;
  }

  /** The lease in flight for the tenant, or a new one for what this router's share lacks of a whole lease. */
  private void lease(String tenantId, Share share, double rps, int burst) {
    if (share.pending == null) {
      share.pending = newLease(tenantId, share, rps, burst);
    }
  }

  /**
   * A lease whose outcome is always handled in a later event-loop task, never inside this call: a lease that
   * completed at once (a stand-in, a cached answer) would otherwise serve the waiting requests re-entrantly, from
   * within {@link #serve} or {@link #decide}, and each such lease would nest the next one deeper in the stack.
   */
  private Future<Void> newLease(String tenantId, Share share, double rps, int burst) {
    int wanted = Math.max(1, chunk(burst) - share.tokens);
    Promise<RateLimitRepository.Lease> outcome = Promise.promise();
    try {
      leases.lease(tenantId, region, rps, burst, wanted, wallMicros.getAsLong(), share.tatHint)
          .whenComplete((lease, error) -> context.runOnContext(v -> {
            if (error != null) {
              outcome.fail(error);
            } else {
              outcome.complete(lease);
            }
          }));
    } catch (RuntimeException error) { // a lease that cannot even start fails like one that could not finish
      context.runOnContext(v -> outcome.fail(error));
    }
    return outcome.future()
        .map(lease -> {
          share.tatHint = lease.tatMicros();
          fallbackUntilNanos = 0;
          if (lease.granted() > 0) {
            share.tokens += lease.granted();
            metrics.rateLimitLease("granted");
          } else {
            share.emptyUntilNanos = nanoClock.getAsLong() + lease.retryAfterMicros() * 1000;
            metrics.rateLimitLease("exhausted");
          }
          return (Void) null;
        })
        .recover(error -> {
          metrics.rateLimitLease("failed");
          if (fallbackUntilNanos == 0) {
            fallbackUntilNanos = nanoClock.getAsLong() + limits.fallbackProbeInterval().toNanos();
          }
          return Future.succeededFuture();
        })
        .onComplete(done -> {
          share.pending = null;
          serve(tenantId, share, rps, burst);
        });
  }

  private int chunk(int burst) {
    return Math.max(1, Math.min(limits.leaseTokens(), burst));
  }

  private static long seconds(long nanos) {
    return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
  }

  /** Whether this router decides alone now (the table could not be reached). */
  public boolean inFallback() {
    return fallbackUntilNanos != 0;
  }

  /** Tokens this router holds for the tenant, for tests and diagnostics. */
  public int heldTokens(String tenantId) {
    Share share = shares.get(tenantId);
    return share == null ? 0 : share.tokens;
  }

  /** Tenants with a share now. */
  public int size() {
    return shares.size();
  }
}
