package io.mrgc.failover.state;

import io.mrgc.failover.health.HealthSignal;
import io.mrgc.failover.health.Verdict;
import io.mrgc.failover.machine.Observation;
import io.mrgc.state.StateClient;
import io.mrgc.state.Tables;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbAsyncTable;
import software.amazon.awssdk.enhanced.dynamodb.Key;

/**
 * Observation rows in routing_state. Each row has one writer (the observer region's controller), so writes are plain
 * puts; reads are strongly consistent GetItems of the known keys (routing_state has no sort key to query by).
 */
public final class ObservationRepository {
  private final DynamoDbAsyncTable<ObservationItem> table;

  public ObservationRepository(StateClient client) {
    this.table = client.table(Tables.ROUTING_STATE, ObservationItem.class);
  }

  public CompletableFuture<Void> put(String observerRegion, String observer, HealthSignal signal) {
    ObservationItem item = new ObservationItem();
    item.setPk(ObservationItem.keyOf(signal.region(), observerRegion));
    item.setObservedRegion(signal.region());
    item.setObserverRegion(observerRegion);
    item.setObserver(observer);
    item.setVerdict(signal.verdict().name());
    item.setReasons(signal.reasons().stream().map(FailoverRowItem::truncate).toList());
    item.setObservedAtMillis(signal.at().toEpochMilli());
    item.setServingInstances(signal.servingInstances());
    item.setRequests(signal.requests());
    item.setErrorRate(signal.errorRate());
    item.setP99Millis(signal.p99Millis());
    item.setProbe(signal.probe().name());
    return table.putItem(item);
  }

  /** The observation rows of {@code observed} by each of {@code observerRegions} that exist. */
  public CompletableFuture<List<ObservationItem>> of(String observed, List<String> observerRegions) {
    List<CompletableFuture<ObservationItem>> reads = observerRegions.stream()
        .map(observer -> table.getItem(request -> request
            .key(Key.builder().partitionValue(ObservationItem.keyOf(observed, observer)).build())
            .consistentRead(true)))
        .toList();
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(done -> reads.stream().map(CompletableFuture::join).filter(item -> item != null).toList());
  }

  public static Observation toObservation(ObservationItem item) {
    Verdict verdict;
    try {
      verdict = Verdict.valueOf(item.getVerdict());
    } catch (RuntimeException e) {
      verdict = null; // unreadable: left out like a stale one
    }
    return new Observation(item.getObserverRegion(), item.getObserver(), verdict,
        Instant.ofEpochMilli(item.getObservedAtMillis()), item.getReasons());
  }
}
