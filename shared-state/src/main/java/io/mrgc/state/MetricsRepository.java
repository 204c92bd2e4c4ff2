package io.mrgc.state;

import io.mrgc.state.items.MetricItem;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbAsyncIndex;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbAsyncTable;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;

/** metrics: per-window traffic of each router, read per region by the autoscaler and the failover controller. */
public final class MetricsRepository {
  private final DynamoDbAsyncTable<MetricItem> table;
  private final DynamoDbAsyncIndex<MetricItem> byRegion;

  public MetricsRepository(StateClient client) {
    this.table = client.table(Tables.METRICS, MetricItem.class);
    this.byRegion = table.index(Tables.METRICS_BY_REGION);
  }

  public CompletableFuture<Void> put(MetricItem item) {
    return table.putItem(item);
  }

  /** All series' windows of one region that started at or after {@code sinceMillis}. */
  public CompletableFuture<List<MetricItem>> listRegionSince(String region, long sinceMillis) {
    QueryConditional since = QueryConditional.sortGreaterThanOrEqualTo(
        Key.builder().partitionValue(region).sortValue(sinceMillis).build());
    return Flows.collect(byRegion.query(request -> request.queryConditional(since)))
        .thenApply(pages -> pages.stream().flatMap(page -> page.items().stream()).toList());
  }
}
