package io.mrgc.agent.registry;

import io.mrgc.agent.model.ModelSource;
import io.mrgc.state.ModelCatalog;
import io.mrgc.state.ModelRegistry;
import io.mrgc.state.items.ModelItem;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an agent should serve, from one read of the registry: every model's highest AVAILABLE version, plus (at start)
 * the directories under the model root the registry does not know (installed outside it: tests, the bundled install).
 * A model the registry knows with no AVAILABLE version is not served, even if a directory of its name exists.
 */
final class ModelPlan {
  /** Loads (in name order) and unloads (name -> why) that bring the served set in line with the registry. */
  record Changes(List<ModelSource> loads, Map<String, String> unloads) {}

  private ModelPlan() {}

  /**
   * The start-up set, by name: {@code catalog}'s served versions and the directories it does not know (each a valid
   * model name: published versions' {@code <name>@<version>} and hidden directories are not models of their own).
   * {@code catalog} null (the registry could not be read): the directories only.
   */
  static List<ModelSource> atStart(ModelCatalog catalog, List<String> directoryNames) {
    List<ModelSource> sources = new ArrayList<>();
    if (catalog != null) {
      catalog.served().values().forEach(row -> sources.add(ModelSource.registered(row)));
    }
    for (String dir : directoryNames) {
      if (ModelRegistry.NAME.matcher(dir).matches() && (catalog == null || !catalog.knows(dir))) {
        sources.add(ModelSource.unregistered(dir));
      }
    }
    sources.sort(Comparator.comparing(ModelSource::name));
    return sources;
  }

  /**
   * Against what is served now ({@code served}: name -> version): the registry's version of each model where it differs
   * (new, newer, or an older one after the newest was retired), and the models the registry knows with no AVAILABLE
   * version. A model the registry does not know (installed outside it) is left alone.
   */
  static Changes onPoll(ModelCatalog catalog, Map<String, Long> served) {
    List<ModelSource> loads = new ArrayList<>();
    for (ModelItem row : catalog.served().values()) {
      Long version = served.get(row.getName());
      if (version == null || version != row.getVersion()) {
        loads.add(ModelSource.registered(row));
      }
    }
    loads.sort(Comparator.comparing(ModelSource::name));
    Map<String, String> unloads = new LinkedHashMap<>();
    served.keySet().stream().sorted().forEach(name -> {
      ModelCatalog.Status status = catalog.status(name);
      if (status != ModelCatalog.Status.AVAILABLE && status != ModelCatalog.Status.UNKNOWN) {
        unloads.put(name, status == ModelCatalog.Status.RETIRED ? "retired in the registry"
            : "no AVAILABLE version in the registry (" + status + ")");
      }
    });
    return new Changes(loads, unloads);
  }
}
