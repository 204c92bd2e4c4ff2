package io.mrgc.state;

import io.mrgc.state.items.RoutingStateItem;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbAsyncTable;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.UpdateItemEnhancedRequest;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** routing_state region rows: failover state and traffic dial per region. */
public final class RoutingStateRepository {
  private final DynamoDbAsyncTable<RoutingStateItem> table;

  public RoutingStateRepository(StateClient client) {
    this.table = client.table(Tables.ROUTING_STATE, RoutingStateItem.class);
  }

  public CompletableFuture<RoutingStateItem> get(String region) {
    return table.getItem(Key.builder().partitionValue(RoutingStateItem.keyOf(region)).build());
  }

  /** Every region row (lease rows share the table and are skipped). */
  public CompletableFuture<List<RoutingStateItem>> listRegions() {
    return Flows.collect(table.scan().items())
        .thenApply(rows -> rows.stream().filter(row -> row.getRegion() != null).toList());
  }

  /** Writes the NORMAL / dial 100 row unless the region already has one (local bootstrap, restarts). */
  public CompletableFuture<Void> createIfAbsent(String region, long nowMillis) {
    return Futures.conditional(() -> table.updateItem(RoutingStateItem.initial(region, nowMillis)), "exists")
        .handle((created, error) -> null);
  }

  /**
   * Writes a control loop's change: conditional on the row's version and on the writer's fencing token being at
   * least the newest one that wrote the row, so a stale leader cannot overwrite its successor.
   */
  public CompletableFuture<RoutingStateItem> writeFenced(RoutingStateItem item, long fencingToken) {
    item.setFencingToken(fencingToken);
    return Futures.conditional(
        () -> table.updateItem(UpdateItemEnhancedRequest.builder(RoutingStateItem.class)
            .item(item).conditionExpression(fence(fencingToken)).build()),
        "routing_state " + item.getRegion() + ": version " + item.getVersion() + " or fencing token " + fencingToken
            + " is stale");
  }

  /**
   * The fencing condition of control rows: the writer's token is at least the newest one that wrote the row. With
   * the enhanced client's version condition (added to every versioned update) a stale leader's write is refused.
   */
  public static Expression fence(long fencingToken) {
    return Expression.builder()
        .expression("attribute_not_exists(fencing_token) OR fencing_token <= :token")
        .expressionValues(Map.of(":token", AttributeValue.fromN(Long.toString(fencingToken))))
        .build();
  }
}
