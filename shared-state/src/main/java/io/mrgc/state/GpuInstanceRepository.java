package io.mrgc.state;

import io.mrgc.state.items.GpuInstanceItem;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbAsyncIndex;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbAsyncTable;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;

/** gpu_instances: heartbeats written by each instance, snapshots read by its region's router. */
public final class GpuInstanceRepository {
  private final DynamoDbAsyncTable<GpuInstanceItem> table;
  private final DynamoDbAsyncIndex<GpuInstanceItem> byInstanceId;

  public GpuInstanceRepository(StateClient client) {
    this.table = client.table(Tables.GPU_INSTANCES, GpuInstanceItem.class);
    this.byInstanceId = table.index(Tables.GPU_INSTANCES_BY_INSTANCE_ID);
  }

  /**
   * Writes the row conditional on its {@code version} (null for a new row); the returned item carries the new
   * version. A concurrent change by another actor fails with {@link WriteRejectedException}.
   */
  public CompletableFuture<GpuInstanceItem> put(GpuInstanceItem item) {
    return Futures.conditional(
        () -> table.updateItem(item),
        "gpu_instances row " + item.getRegion() + "/" + item.getInstanceId() + " changed since version "
            + item.getVersion());
  }

  public CompletableFuture<GpuInstanceItem> get(String region, String instanceId) {
    return table.getItem(Key.builder().partitionValue(region).sortValue(instanceId).build());
  }

  /** Every instance row of one region, read consistently (the router's snapshot). */
  public CompletableFuture<List<GpuInstanceItem>> listRegion(String region) {
    return Flows.collect(table.query(request -> request
            .queryConditional(QueryConditional.keyEqualTo(Key.builder().partitionValue(region).build()))
            .consistentRead(true))
        .items());
  }

  /** The row of {@code instanceId} in whatever region it is (operator commands), or null. */
  public CompletableFuture<GpuInstanceItem> findById(String instanceId) {
    return Flows.collect(byInstanceId.query(request -> request
            .queryConditional(QueryConditional.keyEqualTo(Key.builder().partitionValue(instanceId).build()))))
        .thenApply(pages -> pages.stream().flatMap(page -> page.items().stream()).findFirst().orElse(null));
  }

  /** Every instance row of every region (operator views). */
  public CompletableFuture<List<GpuInstanceItem>> listAll() {
    return Flows.collect(table.scan().items());
  }

  public CompletableFuture<Void> delete(String region, String instanceId) {
    return table.deleteItem(Key.builder().partitionValue(region).sortValue(instanceId).build())
        .thenApply(deleted -> null);
  }
}
