package io.mrgc.state;

import io.mrgc.state.items.CleanupValidationItem;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbAsyncTable;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;

/**
 * cleanup_validation: one row per car wash, written by the instance's agent (its home region), read by
 * {@code mrgc instance history}. Rows expire by TTL.
 */
public final class CleanupValidationRepository {
  private final DynamoDbAsyncTable<CleanupValidationItem> table;

  public CleanupValidationRepository(StateClient client) {
    this.table = client.table(Tables.CLEANUP_VALIDATION, CleanupValidationItem.class);
  }

  /** Writes one wash row (unconditional: a row is written once, by its instance). */
  public CompletableFuture<Void> put(CleanupValidationItem item) {
    if (item.getInstanceId() == null || item.getInstanceId().isBlank()) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("instance_id must not be blank"));
    }
    if (item.getCompletedAtRequest() == null || item.getCompletedAtRequest().isBlank()) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("completed_at_request must not be blank"));
    }
    return table.putItem(item);
  }

  /** The {@code limit} most recent washes of {@code instanceId}, newest first. */
  public CompletableFuture<List<CleanupValidationItem>> listRecent(String instanceId, int limit) {
    if (limit <= 0) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("limit must be positive, got " + limit));
    }
    return Flows.first(table.query(request -> request
        .queryConditional(QueryConditional.keyEqualTo(Key.builder().partitionValue(instanceId).build()))
        .scanIndexForward(false)
        .limit(Math.min(limit, 100))), limit);
  }
}
