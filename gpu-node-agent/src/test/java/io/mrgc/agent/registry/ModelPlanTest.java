package io.mrgc.agent.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.agent.model.ModelBudgetException;
import io.mrgc.agent.model.ModelLoadException;
import io.mrgc.agent.model.ModelSource;
import io.mrgc.state.ModelCatalog;
import io.mrgc.state.ModelState;
import io.mrgc.state.items.ModelItem;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What an agent loads and unloads from a read of the registry, and which refusals it tries again. */
class ModelPlanTest {

  private static ModelItem row(String name, long version, ModelState state) {
    ModelItem row = new ModelItem();
    row.setName(name);
    row.setVersion(version);
    row.setState(state.name());
    row.setStorePath(name + "@" + version);
    row.setManifestSha256("sha-" + name + "-" + version);
    return row;
  }

  private static ModelCatalog catalog(ModelItem... rows) {
    return new ModelCatalog(Arrays.asList(rows));
  }

  @Test
  void atStartTheRegistrysServedVersionsAndTheDirectoriesItDoesNotKnowAreLoadedByName() {
    ModelCatalog catalog = catalog(row("b", 1, ModelState.AVAILABLE), row("b", 2, ModelState.AVAILABLE),
        row("b", 3, ModelState.PUBLISHING), row("gone", 1, ModelState.RETIRED), row("soon", 1, ModelState.PUBLISHING));
    List<String> dirs = List.of("a", "b@1", "b@2", "gone", "soon", "b", "bad name", "z");

    List<ModelSource> sources = ModelPlan.atStart(catalog, dirs);
    assertThat(sources).extracting(ModelSource::id).containsExactly("a", "b:2", "z");
    assertThat(sources.get(1)).isEqualTo(new ModelSource("b", 2, "b@2", "sha-b-2"));
    assertThat(sources.get(0)).isEqualTo(new ModelSource("a", ModelSource.ANY_VERSION, "a", null));

    assertThat(ModelPlan.atStart(null, dirs)).as("the registry unreadable: every model directory")
        .extracting(ModelSource::id).containsExactly("a", "b", "gone", "soon", "z");
  }

  @Test
  void aPollLoadsNewAndChangedVersionsAndUnloadsWhatTheRegistryNoLongerHasAvailableButNeverAnUnknownModel() {
    ModelCatalog catalog = catalog(row("new", 1, ModelState.AVAILABLE), row("up", 1, ModelState.AVAILABLE),
        row("up", 2, ModelState.AVAILABLE), row("back", 1, ModelState.AVAILABLE), row("back", 2, ModelState.RETIRED),
        row("same", 4, ModelState.AVAILABLE), row("gone", 1, ModelState.RETIRED),
        row("pending", 1, ModelState.RETIRED), row("pending", 2, ModelState.PUBLISHING));
    Map<String, Long> served = Map.of("up", 1L, "back", 2L, "same", 4L, "gone", 1L, "pending", 1L, "local", 1L);

    ModelPlan.Changes changes = ModelPlan.onPoll(catalog, served);
    assertThat(changes.loads()).extracting(ModelSource::id).containsExactly("back:1", "new:1", "up:2");
    assertThat(changes.unloads()).containsOnlyKeys("gone", "pending");
    assertThat(changes.unloads().get("gone")).isEqualTo("retired in the registry");
    assertThat(changes.unloads().get("pending")).isEqualTo("no AVAILABLE version in the registry (PUBLISHING)");
  }

  @Test
  void aCorruptVersionIsTriedAgainOnlyWhenItsRowChangesAndOneRefusedForTheBudgetOnceItFits() {
    ModelRefusals refusals = new ModelRefusals();
    ModelSource corrupt = new ModelSource("c", 1, "c@1", "sha-1");
    assertThat(refusals.refuse(corrupt, new ModelLoadException("c:1: sha256 mismatch"))).isTrue();
    assertThat(refusals.refuse(corrupt, new ModelLoadException("c:1: sha256 mismatch"))).as("logged once").isFalse();
    assertThat(refusals.settled(corrupt, needed -> true)).isTrue();
    assertThat(refusals.settled(new ModelSource("c", 1, "c@1", "sha-2"), needed -> true)).isFalse();

    ModelSource big = new ModelSource("big", 1, "big@1", "sha-b");
    refusals.refuse(big, new ModelBudgetException("model big:1 needs 10.0 MiB", 10 << 20));
    assertThat(refusals.settled(big, needed -> needed <= 5 << 20)).isTrue();
    assertThat(refusals.settled(big, needed -> needed <= 10 << 20)).isFalse();
    assertThat(refusals.reasons()).containsOnlyKeys("big:1", "c:1");

    refusals.clear("big:1");
    assertThat(refusals.reasons()).containsOnlyKeys("c:1");
  }
}
