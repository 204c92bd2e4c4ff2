package io.mrgc.state;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveSpecification;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveRequest;

/**
 * The seven global tables, and the regional {@code rate_limits}: names, keys, indexes and TTL attributes, exactly as
 * documented in docs/state.md. Local mode creates them; in AWS terraform does (from the same definitions in
 * docs/state.md).
 */
public final class Tables {
  public static final String GPU_INSTANCES = "gpu_instances";
  public static final String ROUTING_STATE = "routing_state";
  public static final String AUTOSCALING_STATE = "autoscaling_state";
  public static final String METRICS = "metrics";
  public static final String CLEANUP_VALIDATION = "cleanup_validation";
  public static final String TENANTS = "tenants";
  /** The model registry ({@link ModelRegistry}): one row per published model version. */
  public static final String MODELS = "models";
  /**
   * Per-tenant, per-region token buckets shared by a region's routers ({@link RateLimitRepository}). In AWS a
   * regional table in each region, not a global table: its rows are written only in their home region and
   * replicating them would only cost (a bucket of another region is never read).
   */
  public static final String RATE_LIMITS = "rate_limits";

  public static final String GPU_INSTANCES_BY_INSTANCE_ID = "by_instance_id";
  public static final String METRICS_BY_REGION = "by_region";
  public static final String TENANTS_BY_API_KEY_HASH = "by_api_key_hash";

  /** One table's shape. {@code sortKey} and {@code ttlAttribute} may be null. */
  public record TableSpec(String name, Key partitionKey, Key sortKey, List<Index> indexes, String ttlAttribute) {}

  public record Key(String attribute, ScalarAttributeType type) {}

  public record Index(String name, Key partitionKey, Key sortKey) {}

  public static final List<TableSpec> ALL = List.of(
      new TableSpec(GPU_INSTANCES, s("region"), s("instance_id"),
          List.of(new Index(GPU_INSTANCES_BY_INSTANCE_ID, s("instance_id"), null)), "expires_at"),
      new TableSpec(ROUTING_STATE, s("pk"), null, List.of(), null),
      new TableSpec(AUTOSCALING_STATE, s("region"), null, List.of(), null),
      new TableSpec(METRICS, s("series"), n("window_start"),
          List.of(new Index(METRICS_BY_REGION, s("region"), n("window_start"))), "expires_at"),
      new TableSpec(CLEANUP_VALIDATION, s("instance_id"), s("completed_at_request"), List.of(), "expires_at"),
      new TableSpec(TENANTS, s("tenant_id"), null,
          List.of(new Index(TENANTS_BY_API_KEY_HASH, s("api_key_hash"), null)), null),
      new TableSpec(MODELS, s("name"), n("version"), List.of(), null),
      new TableSpec(RATE_LIMITS, s("pk"), null, List.of(), "expires_at"));

  /** Table creation is slow on a loaded machine (DynamoDB Local builds each index): not a data-path call. */
  private static final java.time.Duration ADMIN_CALL_TIMEOUT = java.time.Duration.ofSeconds(30);

  private Tables() {}

  /** Creates every table that does not exist yet (idempotent), with its indexes and TTL. */
  public static CompletableFuture<Void> createAll(DynamoDbAsyncClient client) {
    CompletableFuture<?>[] creations = ALL.stream().map(spec -> create(client, spec)).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(creations);
  }

  private static CompletableFuture<Void> create(DynamoDbAsyncClient client, TableSpec spec) {
    List<AttributeDefinition> attributes = new ArrayList<>();
    addDefinition(attributes, spec.partitionKey());
    addDefinition(attributes, spec.sortKey());
    List<GlobalSecondaryIndex> indexes = new ArrayList<>();
    for (Index index : spec.indexes()) {
      addDefinition(attributes, index.partitionKey());
      addDefinition(attributes, index.sortKey());
      indexes.add(GlobalSecondaryIndex.builder()
          .indexName(index.name())
          .keySchema(keySchema(index.partitionKey(), index.sortKey()))
          .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
          .build());
    }
    CreateTableRequest.Builder request = CreateTableRequest.builder()
        .overrideConfiguration(o -> o.apiCallTimeout(ADMIN_CALL_TIMEOUT))
        .tableName(spec.name())
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .attributeDefinitions(attributes)
        .keySchema(keySchema(spec.partitionKey(), spec.sortKey()));
    if (!indexes.isEmpty()) {
      request.globalSecondaryIndexes(indexes);
    }
    return client.createTable(request.build())
        .thenCompose(created -> enableTtl(client, spec))
        .exceptionally(error -> {
          if (Futures.unwrap(error) instanceof ResourceInUseException) {
            return null; // already there: local mode restarted on a --data-dir
          }
          throw new IllegalStateException("cannot create table " + spec.name(), Futures.unwrap(error));
        });
  }

  private static CompletableFuture<Void> enableTtl(DynamoDbAsyncClient client, TableSpec spec) {
    if (spec.ttlAttribute() == null) {
      return CompletableFuture.completedFuture(null);
    }
    return client.updateTimeToLive(UpdateTimeToLiveRequest.builder()
            .overrideConfiguration(o -> o.apiCallTimeout(ADMIN_CALL_TIMEOUT))
            .tableName(spec.name())
            .timeToLiveSpecification(TimeToLiveSpecification.builder()
                .attributeName(spec.ttlAttribute()).enabled(true).build())
            .build())
        .thenApply(response -> null);
  }

  private static List<KeySchemaElement> keySchema(Key partition, Key sort) {
    List<KeySchemaElement> schema = new ArrayList<>();
    schema.add(KeySchemaElement.builder().attributeName(partition.attribute()).keyType(KeyType.HASH).build());
    if (sort != null) {
      schema.add(KeySchemaElement.builder().attributeName(sort.attribute()).keyType(KeyType.RANGE).build());
    }
    return schema;
  }

  private static void addDefinition(List<AttributeDefinition> attributes, Key key) {
    if (key == null || attributes.stream().anyMatch(a -> a.attributeName().equals(key.attribute()))) {
      return;
    }
    attributes.add(AttributeDefinition.builder().attributeName(key.attribute()).attributeType(key.type()).build());
  }

  private static Key s(String attribute) {
    return new Key(attribute, ScalarAttributeType.S);
  }

  private static Key n(String attribute) {
    return new Key(attribute, ScalarAttributeType.N);
  }
}
