package io.mrgc.state;

import io.mrgc.state.items.TenantItem;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbAsyncIndex;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbAsyncTable;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.Page;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;
import software.amazon.awssdk.enhanced.dynamodb.model.UpdateItemEnhancedRequest;

/**
 * tenants: written by the admin commands (home-region rows, optimistic locking on {@code version}), read by the
 * routers by API key hash. Messages never carry keys or hashes.
 */
public final class TenantRepository {
  private final DynamoDbAsyncTable<TenantItem> table;
  private final DynamoDbAsyncIndex<TenantItem> byApiKeyHash;

  public TenantRepository(StateClient client) {
    this.table = client.table(Tables.TENANTS, TenantItem.class);
    this.byApiKeyHash = table.index(Tables.TENANTS_BY_API_KEY_HASH);
  }

  /**
   * Writes a new tenant row; fails with {@link WriteRejectedException} if the tenant exists. The returned item
   * carries version 1.
   */
  public CompletableFuture<TenantItem> create(TenantItem item) {
    if (item.getTenantId() == null || item.getTenantId().isBlank()) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("tenant_id must not be blank"));
    }
    item.setVersion(null);
    Expression absent = Expression.builder().expression("attribute_not_exists(tenant_id)").build();
    return Futures.conditional(
        () -> table.updateItem(UpdateItemEnhancedRequest.builder(TenantItem.class)
            .item(item).conditionExpression(absent).build()),
        "tenant " + item.getTenantId() + " already exists");
  }

  /** The tenant row, or null. */
  public CompletableFuture<TenantItem> get(String tenantId) {
    return table.getItem(Key.builder().partitionValue(tenantId).build());
  }

  /**
   * The tenant whose {@code api_key_hash} is {@code apiKeyHash}, or null, through GSI {@code by_api_key_hash}
   * (eventually consistent: a key just created or rotated may take a moment to be found). Two rows with the same
   * hash (an admin error) fail the call rather than pick one.
   */
  public CompletableFuture<TenantItem> findByApiKeyHash(String apiKeyHash) {
    if (apiKeyHash == null || apiKeyHash.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return Flows.collect(byApiKeyHash.query(request -> request
            .queryConditional(QueryConditional.keyEqualTo(Key.builder().partitionValue(apiKeyHash).build()))
            .limit(2)))
        .thenApply(pages -> {
          List<TenantItem> items = pages.stream().map(Page::items).flatMap(List::stream).toList();
          if (items.size() > 1) {
            throw new IllegalStateException("an API key hash matches " + items.size() + " tenants");
          }
          return items.isEmpty() ? null : items.get(0);
        });
  }

  /**
   * Writes a changed row read earlier: conditional on its {@code version} and on the row existing. A concurrent
   * change fails with {@link WriteRejectedException}. The returned item carries the new version.
   */
  public CompletableFuture<TenantItem> update(TenantItem item) {
    if (item.getVersion() == null) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("update needs the version read from the row; use create for a new tenant"));
    }
    Expression exists = Expression.builder().expression("attribute_exists(tenant_id)").build();
    return Futures.conditional(
        () -> table.updateItem(UpdateItemEnhancedRequest.builder(TenantItem.class)
            .item(item).conditionExpression(exists).build()),
        "tenant " + item.getTenantId() + " changed since version " + item.getVersion() + " or does not exist");
  }
}
