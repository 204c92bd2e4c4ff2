package io.mrgc.failover.state;

import io.mrgc.state.Futures;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.StateClient;
import io.mrgc.state.Tables;
import io.mrgc.state.items.RoutingStateItem;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbAsyncTable;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.UpdateItemEnhancedRequest;

/**
 * Region rows of routing_state with the controller's attributes ({@link FailoverRowItem}). Every write is one
 * single-item conditional UpdateItem: on the row's version always, and for the controller also on its fencing token.
 */
public final class FailoverRowRepository {
  private final DynamoDbAsyncTable<FailoverRowItem> table;
  private final RoutingStateRepository shared;

  public FailoverRowRepository(StateClient client) {
    this.table = client.table(Tables.ROUTING_STATE, FailoverRowItem.class);
    this.shared = new RoutingStateRepository(client);
  }

  /** The region's row, read strongly consistent (MRSC in AWS), or null. */
  public CompletableFuture<FailoverRowItem> get(String region) {
    return table.getItem(request -> request
        .key(Key.builder().partitionValue(RoutingStateItem.keyOf(region)).build())
        .consistentRead(true));
  }

  /** The row, created NORMAL / dial 100 first if the region has none. */
  public CompletableFuture<FailoverRowItem> getOrCreate(String region, long nowMillis) {
    return shared.createIfAbsent(region, nowMillis).thenCompose(created -> get(region));
  }

  /** The rows of {@code regions} that exist, in that order. */
  public CompletableFuture<List<FailoverRowItem>> list(List<String> regions) {
    List<CompletableFuture<FailoverRowItem>> reads = regions.stream().map(this::get).toList();
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(done -> reads.stream().map(CompletableFuture::join).filter(row -> row != null).toList());
  }

  /**
   * The controller's write: conditional on the row's version and on {@code fencingToken} being at least the newest
   * token that wrote the row ({@code RoutingStateRepository.writeFenced}'s condition), so a stale leader's write is
   * refused with {@link io.mrgc.state.WriteRejectedException}.
   */
  public CompletableFuture<FailoverRowItem> writeFenced(FailoverRowItem item, long fencingToken) {
    item.setFencingToken(fencingToken);
    return Futures.conditional(
        () -> table.updateItem(UpdateItemEnhancedRequest.builder(FailoverRowItem.class)
            .item(item).conditionExpression(RoutingStateRepository.fence(fencingToken)).build()),
        "routing_state " + item.getRegion() + ": version " + item.getVersion() + " or fencing token " + fencingToken
            + " is stale");
  }

  /**
   * An operator's write: conditional on the version only, keeping the row's fencing token (an operator holds no
   * lease; the controller's next write, based on an older version, is refused and re-reads).
   */
  public CompletableFuture<FailoverRowItem> writeVersioned(FailoverRowItem item) {
    return Futures.conditional(() -> table.updateItem(item),
        "routing_state " + item.getRegion() + " changed since version " + item.getVersion());
  }
}
