package io.mrgc.state;

import java.util.Map;
import java.util.function.LongSupplier;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * rate_limits: one token bucket per tenant and region, shared by the region's routers, which take tokens from it in
 * chunks (leases) and serve requests from their chunk locally, so no request waits for DynamoDB but the first of a
 * chunk. The bucket is kept as GCRA state, a single number: {@code tat}, the "theoretical arrival time" in epoch
 * microseconds at which the bucket would be full again. With {@code T} = 1/rps and {@code tau} = burst x T, taking
 * {@code n} tokens at {@code now} is allowed iff {@code max(tat, now) + n T <= now + tau}, and moves {@code tat} there:
 * exactly a token bucket of {@code burst} tokens refilled at {@code rps}.
 *
 * <p>Each lease is one conditional UpdateItem, no read: while the bucket is draining ({@code tat >= now})
 * {@code ADD tat n T} under {@code tat BETWEEN now AND now + tau - n T}; while it is full ({@code tat < now} or no
 * row) {@code SET tat = now + n T}. The caller's hint (the last {@code tat} it saw) picks which to try first; only
 * when both are refused is the row read, to grant what is left or to say when a token comes. Routers' clocks enter
 * as {@code now}: a skew of d between two routers lets at most rps x d extra tokens out.
 *
 * <p>Rows are keyed {@code ratelimit#<tenant>#<region>} and expire ({@code expires_at}) a minute after the bucket is
 * full again (a missing row is a full bucket). In AWS the table is regional, not a global table: each region keeps
 * its own buckets, written only by its own routers, and nothing is replicated.
 */
public final class RateLimitRepository {
  /** Seconds a row outlives the moment its bucket is full again (TTL deletion is lazy anyway). */
  static final long EXPIRY_MARGIN_SECONDS = 60;
  /** Conditional writes tried per lease before giving the caller nothing (others kept changing the row). */
  static final int MAX_WRITES = 4;

  /**
   * What a lease got: {@code granted} tokens (0 when the bucket is empty), the bucket's {@code tat} afterwards (the
   * hint for the next lease), and, when nothing was granted, the microseconds until one token is there.
   */
  public record Lease(int granted, long tatMicros, long retryAfterMicros) {}

  private final DynamoDbAsyncClient dynamo;
  private final LongSupplier nanoClock;

  public RateLimitRepository(StateClient client) {
    this(client, System::nanoTime);
  }

  /** With the clock that measures how long a lease's calls take ({@link System#nanoTime} but in tests). */
  RateLimitRepository(StateClient client, LongSupplier nanoClock) {
    this.dynamo = client.dynamo();
    this.nanoClock = nanoClock;
  }

  public static String key(String tenantId, String region) {
    return "ratelimit#" + tenantId + "#" + region;
  }

  /**
   * Takes up to {@code wanted} tokens (at least 1, at most {@code burst}) from the bucket of {@code tenantId} in
   * {@code region} at {@code nowMicros}; {@code tatHint} is the last {@code tat} seen (0: none). Fails only when
   * DynamoDB cannot be reached or answers an error.
   */
  public CompletableFuture<Lease> lease(String tenantId, String region, double rps, int burst, int wanted,
      long nowMicros, long tatHint) {
    long intervalMicros = Math.max(1, Math.round(1_000_000 / rps));
    long tauMicros = intervalMicros * burst;
    int n = Math.max(1, Math.min(wanted, burst));
    Bucket bucket = new Bucket(key(tenantId, region), intervalMicros, tauMicros, nowMicros, nanoClock);
    return tatHint >= nowMicros ? draining(bucket, n, 1) : full(bucket, n, 1);
  }

  /**
   * One lease's view of a bucket. {@link #now} moves on from the caller's time as the lease's calls take time: a
   * write sent after a slow call (seconds under load) must not judge the bucket by the time the lease began, or a
   * bucket refilled meanwhile looks empty.
   */
  private record Bucket(String key, long intervalMicros, long tauMicros, long startMicros, LongSupplier nanoClock,
      long startNanos) {
    Bucket(String key, long intervalMicros, long tauMicros, long startMicros, LongSupplier nanoClock) {
      this(key, intervalMicros, tauMicros, startMicros, nanoClock, nanoClock.getAsLong());
    }

    long now() {
      return startMicros + (nanoClock.getAsLong() - startNanos) / 1_000;
    }

    long expiresAt(long now) {
      return (now + tauMicros) / 1_000_000 + 1 + EXPIRY_MARGIN_SECONDS;
    }
  }

  /** The bucket is draining: add n T to tat, if tat is at least now and stays within now + tau. */
  private CompletableFuture<Lease> draining(Bucket bucket, int n, int write) {
    long add = n * bucket.intervalMicros();
    long now = bucket.now();
    UpdateItemRequest request = UpdateItemRequest.builder().tableName(Tables.RATE_LIMITS)
        .key(Map.of("pk", s(bucket.key())))
        .updateExpression("ADD tat :add SET expires_at = :exp")
        .conditionExpression("tat BETWEEN :now AND :last")
        .expressionAttributeValues(Map.of(":add", n(add), ":exp", n(bucket.expiresAt(now)),
            ":now", n(now), ":last", n(now + bucket.tauMicros() - add)))
        .returnValues("UPDATED_NEW").build();
    return write(request, bucket, n, write, false);
  }

  /** The bucket is full (tat in the past, or no row): tat = now + n T. */
  private CompletableFuture<Lease> full(Bucket bucket, int n, int write) {
    long now = bucket.now();
    UpdateItemRequest request = UpdateItemRequest.builder().tableName(Tables.RATE_LIMITS)
        .key(Map.of("pk", s(bucket.key())))
        .updateExpression("SET tat = :tat, expires_at = :exp")
        .conditionExpression("attribute_not_exists(tat) OR tat < :now")
        .expressionAttributeValues(Map.of(":tat", n(now + n * bucket.intervalMicros()),
            ":exp", n(bucket.expiresAt(now)), ":now", n(now)))
        .returnValues("UPDATED_NEW").build();
    return write(request, bucket, n, write, true);
  }

  private CompletableFuture<Lease> write(UpdateItemRequest request, Bucket bucket, int n, int write,
      boolean wasFullForm) {
    return dynamo.updateItem(request).handle((response, error) -> {
      if (error == null) {
        long tat = Long.parseLong(response.attributes().get("tat").n());
        return CompletableFuture.completedFuture(new Lease(n, tat, 0));
      }
      if (!(Futures.unwrap(error) instanceof ConditionalCheckFailedException)) {
        return CompletableFuture.<Lease>failedFuture(Futures.unwrap(error));
      }
      if (write >= MAX_WRITES) {
        return CompletableFuture.completedFuture(new Lease(0, bucket.now(), bucket.intervalMicros()));
      }
      // The other form may fit (the hint was stale), or only part of n, or nothing: read, then decide.
      return read(bucket).thenCompose(tat -> afterRead(bucket, n, write + 1, tat));
    }).thenCompose(next -> next);
  }

  private CompletableFuture<Lease> afterRead(Bucket bucket, int n, int write, long tat) {
    long now = bucket.now();
    if (tat < now) {
      return full(bucket, n, write);
    }
    long room = now + bucket.tauMicros() - tat;
    int fits = (int) Math.min(n, room / bucket.intervalMicros());
    if (fits >= 1) {
      return draining(bucket, fits, write);
    }
    return CompletableFuture.completedFuture(new Lease(0, tat, bucket.intervalMicros() - room));
  }

  /** The row's tat, read consistently (0 when there is no row). */
  private CompletableFuture<Long> read(Bucket bucket) {
    return dynamo.getItem(GetItemRequest.builder().tableName(Tables.RATE_LIMITS)
            .key(Map.of("pk", s(bucket.key()))).consistentRead(true).build())
        .thenApply(response -> response.hasItem() && response.item().containsKey("tat")
            ? Long.parseLong(response.item().get("tat").n()) : 0L);
  }

  private static AttributeValue s(String value) {
    return AttributeValue.builder().s(value).build();
  }

  private static AttributeValue n(long value) {
    return AttributeValue.builder().n(Long.toString(value)).build();
  }
}
