package io.mrgc.state;

import io.mrgc.state.items.LeaseItem;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbAsyncTable;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.PutItemEnhancedRequest;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Leader leases with fencing tokens on single-item conditional writes (MRSC global tables have no transactions).
 * Acquire succeeds when the lease is free, expired, or already ours; each acquisition by a new holder increments
 * the token. Renew and release only succeed for the holder of the current token.
 */
public final class LeaseManager {
  private final DynamoDbAsyncTable<LeaseItem> table;
  private final Clock clock;

  public LeaseManager(StateClient client, Clock clock) {
    this.table = client.table(Tables.ROUTING_STATE, LeaseItem.class);
    this.clock = clock;
  }

  /** The lease if {@code holder} got it, empty if someone else holds an unexpired one. */
  public CompletableFuture<Optional<Lease>> acquire(String name, String holder, Duration ttl) {
    requirePositive(ttl);
    return table.getItem(Key.builder().partitionValue(LeaseItem.keyOf(name)).build()).thenCompose(current -> {
      long now = clock.millis();
      if (current != null && now < current.getExpiresAtMillis() && !holder.equals(current.getHolder())) {
        return CompletableFuture.completedFuture(Optional.<Lease>empty());
      }
      long previousToken = current == null ? 0 : current.getFencingToken();
      boolean reacquire = current != null && holder.equals(current.getHolder()) && now < current.getExpiresAtMillis();
      long token = reacquire ? previousToken : previousToken + 1;
      LeaseItem next = item(name, holder, token, now + ttl.toMillis());
      // The row must still be exactly what we read: a racing contender's acquisition changes the token.
      Expression unchanged = current == null
          ? Expression.builder().expression("attribute_not_exists(pk)").build()
          : Expression.builder().expression("fencing_token = :seen")
              .expressionValues(Map.of(":seen", number(previousToken))).build();
      return Futures.conditional(() -> table.putItem(PutItemEnhancedRequest.builder(LeaseItem.class)
                  .item(next).conditionExpression(unchanged).build()), "lease " + name + " taken concurrently")
          .thenApply(written -> Optional.of(toLease(next)))
          .exceptionally(error -> {
            if (Futures.unwrap(error) instanceof WriteRejectedException) {
              return Optional.empty();
            }
            throw new java.util.concurrent.CompletionException(Futures.unwrap(error));
          });
    });
  }

  /** Extends the lease; fails with {@link WriteRejectedException} if it was lost (expired and taken). */
  public CompletableFuture<Lease> renew(Lease lease, Duration ttl) {
    requirePositive(ttl);
    LeaseItem next = item(lease.name(), lease.holder(), lease.fencingToken(), clock.millis() + ttl.toMillis());
    return Futures.conditional(() -> table.putItem(PutItemEnhancedRequest.builder(LeaseItem.class)
                .item(next).conditionExpression(heldBy(lease)).build()),
            "lease " + lease.name() + " is no longer held by " + lease.holder() + " with token " + lease.fencingToken())
        .thenApply(written -> toLease(next));
  }

  /** Gives the lease up at once (keeping the token so the next holder's is larger). */
  public CompletableFuture<Void> release(Lease lease) {
    LeaseItem expired = item(lease.name(), lease.holder(), lease.fencingToken(), 0);
    return Futures.conditional(() -> table.putItem(PutItemEnhancedRequest.builder(LeaseItem.class)
            .item(expired).conditionExpression(heldBy(lease)).build()),
        "lease " + lease.name() + " is no longer held by " + lease.holder());
  }

  private static Expression heldBy(Lease lease) {
    return Expression.builder()
        .expression("holder = :holder AND fencing_token = :token")
        .expressionValues(Map.of(":holder", AttributeValue.fromS(lease.holder()), ":token", number(lease.fencingToken())))
        .build();
  }

  private static LeaseItem item(String name, String holder, long token, long expiresAtMillis) {
    LeaseItem item = new LeaseItem();
    item.setPk(LeaseItem.keyOf(name));
    item.setName(name);
    item.setHolder(holder);
    item.setFencingToken(token);
    item.setExpiresAtMillis(expiresAtMillis);
    return item;
  }

  private static Lease toLease(LeaseItem item) {
    return new Lease(item.getName(), item.getHolder(), item.getFencingToken(), item.getExpiresAtMillis());
  }

  private static AttributeValue number(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }

  private static void requirePositive(Duration ttl) {
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("lease ttl must be positive, but was " + ttl);
    }
  }
}
