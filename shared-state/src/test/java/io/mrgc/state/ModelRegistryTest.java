package io.mrgc.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.state.ModelCatalog.Status;
import io.mrgc.state.items.ModelItem;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The models registry against DynamoDB Local: each test uses its own model names (one table for the class). */
class ModelRegistryTest {
  private static LocalState state;
  private static StateClient client;
  private static ModelRegistry registry;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-east-1");
    registry = new ModelRegistry(client);
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  @Test
  void publishThenAvailableThenRetiredKeepsEveryAttribute() {
    ModelItem written = registry.beginPublish(version("minilm", 3, 1_000)).join();
    assertThat(written.getState()).isEqualTo("PUBLISHING");

    ModelItem available = registry.markAvailable("minilm", 3, 2_000).join();
    assertThat(available.getState()).isEqualTo("AVAILABLE");
    assertThat(available.getUpdatedAt()).isEqualTo(2_000);

    ModelItem retired = registry.retire("minilm", 3, "replaced by 4", 3_000).join();
    assertThat(retired.getState()).isEqualTo("RETIRED");

    ModelItem read = registry.get("minilm", 3).join();
    assertThat(read.id()).isEqualTo("minilm:3");
    assertThat(read.getState()).isEqualTo("RETIRED");
    assertThat(read.getStateReason()).isEqualTo("replaced by 4");
    assertThat(read.getUpdatedAt()).isEqualTo(3_000);
    assertThat(read.getPublishedAt()).isEqualTo(1_000);
    assertThat(read.getPublishedBy()).isEqualTo("alice");
    assertThat(read.getManifestSha256()).isEqualTo("ab".repeat(32));
    assertThat(read.getSizeBytes()).isEqualTo(90_000_000L);
    assertThat(read.getStorePath()).isEqualTo("minilm@3");
    assertThat(registry.get("minilm", 4).join()).isNull();
  }

  @Test
  void anInterruptedPublishResumesButAPublishedVersionIsNeverOverwritten() {
    registry.beginPublish(version("resume", 1, 1_000)).join();
    ModelItem again = version("resume", 1, 5_000);
    again.setSizeBytes(42);
    registry.beginPublish(again).join();
    assertThat(registry.get("resume", 1).join().getSizeBytes()).as("the resumed publish's row").isEqualTo(42);

    registry.markAvailable("resume", 1, 6_000).join();
    assertThatThrownBy(() -> registry.beginPublish(version("resume", 1, 7_000)).join())
        .hasCauseInstanceOf(WriteRejectedException.class)
        .hasMessageContaining("model resume:1 is already published");
    assertThat(registry.get("resume", 1).join().getState()).isEqualTo("AVAILABLE");

    registry.retire("resume", 1, "bad output", 8_000).join();
    assertThatThrownBy(() -> registry.beginPublish(version("resume", 1, 9_000)).join())
        .hasCauseInstanceOf(WriteRejectedException.class)
        .hasMessageContaining("model resume:1 is already published");
    ModelItem kept = registry.get("resume", 1).join();
    assertThat(kept.getState()).isEqualTo("RETIRED");
    assertThat(kept.getSizeBytes()).isEqualTo(42);
  }

  @Test
  void onlyAPublishingVersionBecomesAvailable() {
    assertThatThrownBy(() -> registry.markAvailable("ghost", 1, 1_000).join())
        .hasCauseInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model ghost:1 is not in the registry");

    registry.beginPublish(version("twice", 1, 1_000)).join();
    registry.markAvailable("twice", 1, 2_000).join();
    assertThatThrownBy(() -> registry.markAvailable("twice", 1, 3_000).join())
        .hasCauseInstanceOf(WriteRejectedException.class)
        .hasMessageContaining("model twice:1 is AVAILABLE, not PUBLISHING");

    registry.beginPublish(version("gone", 1, 1_000)).join();
    registry.retire("gone", 1, "abandoned publish", 2_000).join();
    assertThatThrownBy(() -> registry.markAvailable("gone", 1, 3_000).join())
        .hasCauseInstanceOf(WriteRejectedException.class)
        .hasMessageContaining("model gone:1 is RETIRED, not PUBLISHING");
    assertThat(registry.get("gone", 1).join().getState()).isEqualTo("RETIRED");
    assertThat(registry.get("gone", 1).join().getUpdatedAt()).isEqualTo(2_000);
  }

  @Test
  void retiringIsFinalAndNeedsARow() {
    registry.beginPublish(version("final", 2, 1_000)).join();
    registry.markAvailable("final", 2, 2_000).join();
    registry.retire("final", 2, "first", 3_000).join();
    assertThatThrownBy(() -> registry.retire("final", 2, "second", 4_000).join())
        .hasCauseInstanceOf(WriteRejectedException.class)
        .hasMessageContaining("model final:2 is already retired");
    assertThat(registry.get("final", 2).join().getStateReason()).isEqualTo("first");

    assertThatThrownBy(() -> registry.retire("final", 9, "no such", 4_000).join())
        .hasCauseInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model final:9 is not in the registry");
  }

  @Test
  void invalidNamesAndVersionsAreRefusedWithWhatToFix() {
    String nameRule = "model name must be 1-64 letters, digits, '.', '_' or '-' starting with a letter or digit, "
        + "but was ";
    assertThatThrownBy(() -> ModelRegistry.checkName("a/b")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(nameRule + "'a/b'");
    assertThatThrownBy(() -> ModelRegistry.checkName(".staging")).hasMessage(nameRule + "'.staging'");
    assertThatThrownBy(() -> ModelRegistry.checkName("m@1")).hasMessage(nameRule + "'m@1'");
    assertThatThrownBy(() -> ModelRegistry.checkName("")).hasMessage(nameRule + "''");
    assertThatThrownBy(() -> ModelRegistry.checkName(null)).hasMessage(nameRule + "null");
    assertThatThrownBy(() -> ModelRegistry.checkName("x".repeat(65))).hasMessage(nameRule + "'" + "x".repeat(65) + "'");
    assertThatThrownBy(() -> ModelRegistry.checkName("y".repeat(100)))
        .hasMessage(nameRule + "'" + "y".repeat(80) + "...'");
    assertThat(ModelRegistry.checkName("all-MiniLM-L6-v2_q8.onnx")).isEqualTo("all-MiniLM-L6-v2_q8.onnx");
    assertThat(ModelRegistry.checkName("x".repeat(64))).hasSize(64);

    String versionRule = "model version must be between 1 and 999999999999, but was ";
    assertThatThrownBy(() -> ModelRegistry.checkVersion(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(versionRule + "0");
    assertThatThrownBy(() -> ModelRegistry.checkVersion(-3)).hasMessage(versionRule + "-3");
    assertThatThrownBy(() -> ModelRegistry.checkVersion(1_000_000_000_000L)).hasMessage(versionRule + "1000000000000");
    assertThat(ModelRegistry.checkVersion(1)).isEqualTo(1);
    assertThat(ModelRegistry.checkVersion(ModelRegistry.MAX_VERSION)).isEqualTo(999_999_999_999L);

    assertThatThrownBy(() -> registry.beginPublish(version("bad name", 1, 1_000)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(nameRule + "'bad name'");
    assertThatThrownBy(() -> registry.beginPublish(version("okname", 0, 1_000)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(versionRule + "0");
    assertThatThrownBy(() -> registry.markAvailable("", 1, 1_000)).hasMessage(nameRule + "''");
    assertThatThrownBy(() -> registry.retire("okname", -1, "why", 1_000)).hasMessage(versionRule + "-1");
    assertThat(registry.versions("okname").join()).as("nothing written").isEmpty();
  }

  @Test
  void theCatalogServesEachModelsHighestAvailableVersion() {
    publishAvailable("cat-a", 1);
    publishAvailable("cat-a", 2);
    publishAvailable("cat-a", 3);
    registry.retire("cat-a", 3, "regression", 9_000).join();
    registry.beginPublish(version("cat-a", 4, 9_500)).join(); // higher, still PUBLISHING
    registry.beginPublish(version("cat-b", 1, 9_500)).join();
    publishAvailable("cat-c", 5);
    registry.retire("cat-c", 5, "withdrawn", 9_000).join();
    publishAvailable("cat-d", 10);
    publishAvailable("cat-d", 9);

    ModelCatalog catalog = registry.catalog().join();
    assertThat(catalog.served("cat-a")).get().extracting(ModelItem::id).isEqualTo("cat-a:2");
    assertThat(catalog.served("cat-d")).get().extracting(ModelItem::id).isEqualTo("cat-d:10");
    assertThat(catalog.served("cat-b")).isEmpty();
    assertThat(catalog.served("cat-c")).isEmpty();
    assertThat(catalog.served()).doesNotContainKeys("cat-b", "cat-c");
    assertThat(catalog.served().get("cat-a").id()).isEqualTo("cat-a:2");
    assertThat(catalog.served().get("cat-d").id()).isEqualTo("cat-d:10");

    assertThat(catalog.status("cat-a")).isEqualTo(Status.AVAILABLE);
    assertThat(catalog.status("cat-b")).isEqualTo(Status.PUBLISHING);
    assertThat(catalog.status("cat-c")).isEqualTo(Status.RETIRED);
    assertThat(catalog.status("cat-z")).isEqualTo(Status.UNKNOWN);
    assertThat(catalog.knows("cat-c")).isTrue();
    assertThat(catalog.knows("cat-z")).isFalse();

    List<String> ids = catalog.rows().stream().map(ModelItem::id).filter(id -> id.startsWith("cat-")).toList();
    assertThat(ids).containsExactly("cat-a:1", "cat-a:2", "cat-a:3", "cat-a:4", "cat-b:1", "cat-c:5", "cat-d:9",
        "cat-d:10");
    assertThat(registry.versions("cat-d").join()).extracting(ModelItem::getVersion).containsExactly(9L, 10L);
    assertThat(registry.listAll().join()).extracting(ModelItem::id).contains("cat-a:4", "cat-d:10");
  }

  @Test
  void aModelWhoseOnlyVersionsArePublishingOrRetiredIsBeingPublished() {
    publishAvailable("mixed", 1);
    registry.retire("mixed", 1, "old", 9_000).join();
    registry.beginPublish(version("mixed", 2, 9_500)).join();
    assertThat(registry.catalog().join().status("mixed")).isEqualTo(Status.PUBLISHING);
    assertThat(ModelCatalog.EMPTY.status("mixed")).isEqualTo(Status.UNKNOWN);
    assertThat(ModelCatalog.EMPTY.served()).isEmpty();
  }

  private static void publishAvailable(String name, long version) {
    registry.beginPublish(version(name, version, 1_000)).join();
    registry.markAvailable(name, version, 2_000).join();
  }

  private static ModelItem version(String name, long version, long at) {
    ModelItem item = new ModelItem();
    item.setName(name);
    item.setVersion(version);
    item.setManifestSha256("ab".repeat(32));
    item.setSizeBytes(90_000_000L);
    item.setStorePath(name + "@" + version);
    item.setPublishedBy("alice");
    item.setPublishedAt(at);
    item.setUpdatedAt(at);
    return item;
  }
}
