package io.mrgc.state;

import io.mrgc.state.items.ModelItem;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbAsyncTable;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;
import software.amazon.awssdk.enhanced.dynamodb.model.UpdateItemEnhancedRequest;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * models: the registry of published model versions. Written by {@code mrgc model} (publish, retire), read by every
 * agent (what to load and unload) and router (a model being loaded vs one that does not exist). Every state change is
 * a conditional write on the state it leaves, so two operators cannot both publish or retire the same version.
 */
public final class ModelRegistry {
  /** Model names as paths, headers and store directories carry them: no '/', '@', spaces or leading dot. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  public static final long MAX_VERSION = 999_999_999_999L;

  private final DynamoDbAsyncTable<ModelItem> table;

  public ModelRegistry(StateClient client) {
    this.table = client.table(Tables.MODELS, ModelItem.class);
  }

  /** Throws with what to fix when {@code name} is not a valid model name. */
  public static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("model name must be 1-64 letters, digits, '.', '_' or '-' starting with a "
          + "letter or digit, but was " + (name == null ? "null" : "'" + echo(name) + "'"));
    }
    return name;
  }

  /** Throws with what to fix when {@code version} is not a valid version number. */
  public static long checkVersion(long version) {
    if (version < 1 || version > MAX_VERSION) {
      throw new IllegalArgumentException("model version must be between 1 and " + MAX_VERSION + ", but was "
          + version);
    }
    return version;
  }

  /**
   * Writes {@code item} as PUBLISHING: only when the version is new, or still PUBLISHING (a publish that was
   * interrupted, run again). An AVAILABLE or RETIRED version is never overwritten: {@link WriteRejectedException}.
   */
  public CompletableFuture<ModelItem> beginPublish(ModelItem item) {
    checkName(item.getName());
    checkVersion(item.getVersion());
    item.setState(ModelState.PUBLISHING.name());
    Expression newOrPublishing = Expression.builder()
        .expression("attribute_not_exists(#n) OR #s = :publishing")
        .expressionNames(Map.of("#n", "name", "#s", "state"))
        .expressionValues(Map.of(":publishing", AttributeValue.fromS(ModelState.PUBLISHING.name())))
        .build();
    return Futures.conditional(
        () -> table.updateItem(UpdateItemEnhancedRequest.builder(ModelItem.class)
            .item(item).conditionExpression(newOrPublishing).build()),
        "model " + item.id() + " is already published (AVAILABLE or RETIRED); publish a new version");
  }

  /**
   * PUBLISHING -> AVAILABLE, once every file is in the model store. An invalid name or version throws at once (like
   * {@link #beginPublish}); a missing row or one in another state completes exceptionally.
   */
  public CompletableFuture<ModelItem> markAvailable(String name, long version, long atMillis) {
    checkName(name);
    checkVersion(version);
    return transition(name, version, ModelState.PUBLISHING, ModelState.AVAILABLE, null, atMillis);
  }

  /** AVAILABLE or PUBLISHING -> RETIRED: agents unload it after its in-flight requests, routers answer 404. */
  public CompletableFuture<ModelItem> retire(String name, long version, String reason, long atMillis) {
    checkName(name);
    checkVersion(version);
    return get(name, version).thenCompose(row -> {
      if (row == null) {
        return CompletableFuture.failedFuture(new IllegalArgumentException("model " + name + ":" + version
            + " is not in the registry"));
      }
      if (ModelState.RETIRED.name().equals(row.getState())) {
        return CompletableFuture.failedFuture(new WriteRejectedException("model " + row.id() + " is already retired",
            null));
      }
      return transition(name, version, ModelState.valueOf(row.getState()), ModelState.RETIRED, reason, atMillis);
    });
  }

  private CompletableFuture<ModelItem> transition(String name, long version, ModelState from, ModelState to,
      String reason, long atMillis) {
    return get(name, version).thenCompose(row -> {
      if (row == null) {
        return CompletableFuture.failedFuture(new IllegalArgumentException("model " + name + ":" + version
            + " is not in the registry"));
      }
      if (!from.name().equals(row.getState())) {
        // Said before writing: the condition below would refuse it too, but as if someone else had changed the row.
        return CompletableFuture.failedFuture(new WriteRejectedException("model " + row.id() + " is "
            + row.getState() + ", not " + from + ": only a " + from + " version can become " + to, null));
      }
      row.setState(to.name());
      row.setUpdatedAt(atMillis);
      if (reason != null) {
        row.setStateReason(reason);
      }
      Expression inState = Expression.builder().expression("#s = :from")
          .expressionNames(Map.of("#s", "state"))
          .expressionValues(Map.of(":from", AttributeValue.fromS(from.name())))
          .build();
      return Futures.conditional(
          () -> table.updateItem(UpdateItemEnhancedRequest.builder(ModelItem.class)
              .item(row).conditionExpression(inState).build()),
          "model " + row.id() + " is no longer " + from + " (changed by someone else)");
    });
  }

  /** The version's row, or null. */
  public CompletableFuture<ModelItem> get(String name, long version) {
    return table.getItem(r -> r.key(Key.builder().partitionValue(name).sortValue(version).build())
        .consistentRead(true));
  }

  /** Every version of {@code name}, oldest first. */
  public CompletableFuture<List<ModelItem>> versions(String name) {
    return Flows.collect(table.query(request -> request
            .queryConditional(QueryConditional.keyEqualTo(Key.builder().partitionValue(name).build()))
            .consistentRead(true))
        .items());
  }

  /** Every version of every model, by name then version (a small table: agents and routers poll it). */
  public CompletableFuture<ModelCatalog> catalog() {
    return Flows.collect(table.scan().items()).thenApply(ModelCatalog::new);
  }

  /** Every row, by name then version. */
  public CompletableFuture<List<ModelItem>> listAll() {
    return catalog().thenApply(ModelCatalog::rows);
  }

  static final Comparator<ModelItem> BY_NAME_THEN_VERSION =
      Comparator.comparing(ModelItem::getName).thenComparingLong(ModelItem::getVersion);

  private static String echo(String value) {
    return value.length() <= 80 ? value : value.substring(0, 80) + "...";
  }
}
