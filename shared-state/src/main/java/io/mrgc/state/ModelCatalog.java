package io.mrgc.state;

import io.mrgc.state.items.ModelItem;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One read of the models registry, and what agents and routers decide from it: the version of each model to serve
 * (its highest AVAILABLE one) and whether a model is known at all.
 */
public final class ModelCatalog {
  /** What the registry says of a model name. */
  public enum Status {
    /** At least one AVAILABLE version: instances load it (a request may arrive before they finish). */
    AVAILABLE,
    /** Versions being published, none AVAILABLE yet. */
    PUBLISHING,
    /** Every version retired. */
    RETIRED,
    /** No row: never published through the registry. */
    UNKNOWN
  }

  public static final ModelCatalog EMPTY = new ModelCatalog(List.of());

  private final List<ModelItem> rows;
  private final Map<String, ModelItem> served = new LinkedHashMap<>();

  public ModelCatalog(List<ModelItem> rows) {
    this.rows = rows.stream().sorted(ModelRegistry.BY_NAME_THEN_VERSION).toList();
    for (ModelItem row : this.rows) {
      if (ModelState.AVAILABLE.name().equals(row.getState())) {
        served.put(row.getName(), row); // ascending versions: the highest wins
      }
    }
  }

  /** Every row, by name then version. */
  public List<ModelItem> rows() {
    return rows;
  }

  /** The version to serve of each model that has one AVAILABLE: its highest. */
  public Map<String, ModelItem> served() {
    return Map.copyOf(served);
  }

  public Optional<ModelItem> served(String name) {
    return Optional.ofNullable(served.get(name));
  }

  /** Whether any version of {@code name} is in the registry, in whatever state. */
  public boolean knows(String name) {
    return rows.stream().anyMatch(row -> row.getName().equals(name));
  }

  public Status status(String name) {
    if (served.containsKey(name)) {
      return Status.AVAILABLE;
    }
    boolean publishing = false;
    boolean retired = false;
    for (ModelItem row : rows) {
      if (row.getName().equals(name)) {
        publishing |= ModelState.PUBLISHING.name().equals(row.getState());
        retired |= ModelState.RETIRED.name().equals(row.getState());
      }
    }
    return publishing ? Status.PUBLISHING : retired ? Status.RETIRED : Status.UNKNOWN;
  }
}
