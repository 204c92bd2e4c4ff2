package io.mrgc.state;

import io.mrgc.state.items.AutoscalingStateItem;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbAsyncTable;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.UpdateItemEnhancedRequest;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** autoscaling_state: one row per region, written fenced by its autoscaler and versioned by SRE overrides. */
public final class AutoscalingStateRepository {
  /** setOverride re-reads and retries this many times when the autoscaler wrote the row in between. */
  private static final int OVERRIDE_ATTEMPTS = 5;

  private final DynamoDbAsyncTable<AutoscalingStateItem> table;

  public AutoscalingStateRepository(StateClient client) {
    this.table = client.table(Tables.AUTOSCALING_STATE, AutoscalingStateItem.class);
  }

  /** The region's row (strongly consistent read), or null. */
  public CompletableFuture<AutoscalingStateItem> get(String region) {
    return table.getItem(request -> request.key(Key.builder().partitionValue(region).build()).consistentRead(true));
  }

  /** Writes the initial row unless the region already has one; returns the row as it is now. */
  public CompletableFuture<AutoscalingStateItem> createIfAbsent(String region, long nowMillis) {
    return Futures.conditional(() -> table.updateItem(AutoscalingStateItem.initial(region, nowMillis)), "exists")
        .handle((created, error) -> null)
        .thenCompose(ignored -> get(region));
  }

  /**
   * Writes the autoscaler's decision: conditional on the row's version and on the writer's fencing token being at
   * least the newest one that wrote the row, so a stale leader cannot overwrite its successor. Fails with
   * {@link WriteRejectedException} otherwise (re-read to tell a newer token from a concurrent override).
   */
  public CompletableFuture<AutoscalingStateItem> writeFenced(AutoscalingStateItem item, long fencingToken) {
    item.setFencingToken(fencingToken);
    Expression fence = Expression.builder()
        .expression("attribute_not_exists(fencing_token) OR fencing_token <= :token")
        .expressionValues(Map.of(":token", AttributeValue.fromN(Long.toString(fencingToken))))
        .build();
    return Futures.conditional(
        () -> table.updateItem(UpdateItemEnhancedRequest.builder(AutoscalingStateItem.class)
            .item(item).conditionExpression(fence).build()),
        "autoscaling_state " + item.getRegion() + ": version " + item.getVersion() + " or fencing token "
            + fencingToken + " is stale");
  }

  /**
   * An SRE override ({@code mrgc scale set REGION N --for D}): {@code desired_capacity = desired} until
   * {@code untilMillis}, by {@code by}. A versioned update that keeps the fencing token (it is not a leader's
   * write); retried on a concurrent autoscaler write. Creates the row if the region has none.
   */
  public CompletableFuture<AutoscalingStateItem> setOverride(String region, int desired, long untilMillis, String by,
      long nowMillis) {
    if (desired < 0) {
      throw new IllegalArgumentException("desired must be >= 0, but was " + desired);
    }
    return setOverride(region, desired, untilMillis, by, nowMillis, 1);
  }

  private CompletableFuture<AutoscalingStateItem> setOverride(String region, int desired, long untilMillis, String by,
      long nowMillis, int attempt) {
    return createIfAbsent(region, nowMillis).thenCompose(row -> {
      row.setDesiredCapacity(desired);
      row.setOverrideUntilMillis(untilMillis);
      row.setOverrideBy(by);
      row.setActor(by);
      return Futures.conditional(() -> table.updateItem(row),
          "autoscaling_state " + region + " changed since version " + row.getVersion());
    }).handle((written, error) -> {
      if (error == null) {
        return CompletableFuture.completedFuture(written);
      }
      Throwable cause = Futures.unwrap(error);
      if (cause instanceof WriteRejectedException && attempt < OVERRIDE_ATTEMPTS) {
        return setOverride(region, desired, untilMillis, by, nowMillis, attempt + 1);
      }
      return CompletableFuture.<AutoscalingStateItem>failedFuture(cause);
    }).thenCompose(f -> f);
  }
}
