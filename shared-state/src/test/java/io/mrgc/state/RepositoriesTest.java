package io.mrgc.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.state.items.MetricItem;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import io.mrgc.state.local.EmbeddedDynamoDb;

class RepositoriesTest {
  private static LocalState state;
  private static StateClient client;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-east-2");
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  @Test
  void heartbeatsRoundTripAndStaleVersionsAreRejected() {
    GpuInstanceRepository repo = new GpuInstanceRepository(client);
    GpuInstanceItem first = repo.put(instance("us-east-2", "i-1", 3)).join();
    assertThat(first.getVersion()).isEqualTo(1L);

    GpuInstanceItem copyA = repo.get("us-east-2", "i-1").join();
    GpuInstanceItem copyB = repo.get("us-east-2", "i-1").join();
    copyA.setQueueDepth(7);
    copyA.setState(InstanceState.QUARANTINED.name());
    copyA.setStateReason("wash FAILED: model-integrity");
    assertThat(repo.put(copyA).join().getVersion()).isEqualTo(2L);
    assertThat(repo.get("us-east-2", "i-1").join().getStateReason()).isEqualTo("wash FAILED: model-integrity");
    copyB.setState(InstanceState.DRAINING.name());
    assertThatThrownBy(() -> repo.put(copyB).join()).hasCauseInstanceOf(WriteRejectedException.class);

    repo.put(instance("us-east-2", "i-2", 0)).join();
    repo.put(instance("us-west-2", "i-3", 0)).join();
    assertThat(repo.findById("i-3").join().getRegion()).isEqualTo("us-west-2");
    assertThat(repo.findById("i-missing").join()).isNull();
    List<GpuInstanceItem> region = repo.listRegion("us-east-2").join();
    assertThat(region).extracting(GpuInstanceItem::getInstanceId).containsExactlyInAnyOrder("i-1", "i-2");
    assertThat(region).filteredOn(i -> i.getInstanceId().equals("i-1")).first()
        .satisfies(i -> {
          assertThat(i.getQueueDepth()).isEqualTo(7);
          assertThat(i.getModels()).containsExactly("all-minilm-l6-v2");
        });
  }

  @Test
  void batchingFieldsRoundTripAndAnOldRowWithoutThemReadsZeroAndFalse() {
    // A region of its own: the other tests list theirs.
    GpuInstanceRepository repo = new GpuInstanceRepository(client);
    GpuInstanceItem batching = instance("batching-region", "i-batching", 0);
    batching.setBatchSlots(8);
    batching.setSharedBatches(true);
    repo.put(batching).join();
    GpuInstanceItem read = repo.get("batching-region", "i-batching").join();
    assertThat(read.getBatchSlots()).isEqualTo(8);
    assertThat(read.isSharedBatches()).isTrue();

    // A row as an agent from before these attributes wrote it: neither attribute exists.
    client.dynamo().putItem(request -> request.tableName(Tables.GPU_INSTANCES).item(Map.of(
        "region", AttributeValue.fromS("batching-region"),
        "instance_id", AttributeValue.fromS("i-old"),
        "state", AttributeValue.fromS(InstanceState.READY.name()),
        "health", AttributeValue.fromN("100")))).join();
    GpuInstanceItem old = repo.get("batching-region", "i-old").join();
    assertThat(old.getHealth()).isEqualTo(100);
    assertThat(old.getBatchSlots()).isZero();
    assertThat(old.isSharedBatches()).isFalse();
  }

  @Test
  void metricsAreQueriedPerRegionAcrossSeries() {
    MetricsRepository metrics = new MetricsRepository(client);
    metrics.put(metric("router#us-east-2#a", "us-east-2", 10_000, 5)).join();
    metrics.put(metric("router#us-east-2#b", "us-east-2", 20_000, 7)).join();
    metrics.put(metric("router#us-east-2#a", "us-east-2", 1_000, 1)).join();
    metrics.put(metric("router#us-west-2#a", "us-west-2", 20_000, 9)).join();
    assertThat(metrics.listRegionSince("us-east-2", 5_000).join())
        .extracting(MetricItem::getRequests).containsExactlyInAnyOrder(5L, 7L);
  }

  @Test
  void dataDirKeepsTablesAndItemsAcrossRestarts(@TempDir Path dir) {
    try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(0, dir);
        var http = NettyNioAsyncHttpClient.builder().build();
        StateClient c = StateClient.local(db.endpoint(), "us-east-1", http)) {
      Tables.createAll(c.dynamo()).join();
      new GpuInstanceRepository(c).put(instance("us-east-1", "i-keep", 1)).join();
      db.stop();
      db.restart();
      Tables.createAll(c.dynamo()).join(); // idempotent on an existing data dir
      assertThat(new GpuInstanceRepository(c).get("us-east-1", "i-keep").join().getQueueDepth()).isEqualTo(1);
    }
  }

  static GpuInstanceItem instance(String region, String id, int queue) {
    GpuInstanceItem item = new GpuInstanceItem();
    item.setRegion(region);
    item.setInstanceId(id);
    item.setEndpoint("http://127.0.0.1:1");
    item.setState(InstanceState.READY.name());
    item.setQueueDepth(queue);
    item.setHealth(100);
    item.setModels(List.of("all-minilm-l6-v2"));
    item.setHeartbeatAtMillis(System.currentTimeMillis());
    return item;
  }

  private static MetricItem metric(String series, String region, long start, long requests) {
    MetricItem item = new MetricItem();
    item.setSeries(series);
    item.setRegion(region);
    item.setWindowStartMillis(start);
    item.setWindowMillis(10_000);
    item.setRequests(requests);
    return item;
  }
}
