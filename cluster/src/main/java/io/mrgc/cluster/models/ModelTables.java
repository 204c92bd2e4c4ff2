package io.mrgc.cluster.models;

import io.mrgc.state.ModelCatalog;
import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.state.items.ModelItem;
import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** What {@code mrgc model list} and {@code show} print: registry rows, and which instances serve a model. */
public final class ModelTables {
  private static final String HEADER = "VERSION  STATE       SIZE-MIB  STORE-PATH                        "
      + "PUBLISHED-BY  PUBLISHED-AT";

  private ModelTables() {}

  /** Every version of every model, by name then version. */
  public static void list(PrintStream out, List<ModelItem> rows) {
    if (rows.isEmpty()) {
      out.println("no models in the registry; publish one with `mrgc model publish DIR --name NAME`");
      return;
    }
    out.printf("%-28s %s%n", "NAME", HEADER);
    rows.forEach(row -> out.printf("%-28s %s%n", row.getName(), line(row)));
  }

  /** {@code name}'s versions, the one served, and per region how many routable instances serve it. */
  public static void show(PrintStream out, String name, ModelCatalog catalog, List<GpuInstanceItem> instances) {
    out.println(HEADER + "  REASON");
    catalog.rows().stream().filter(row -> row.getName().equals(name)).forEach(row -> out.println(line(row) + "  "
        + (row.getStateReason() == null ? "-" : row.getStateReason())));
    out.println(catalog.served(name).map(row -> "served version: " + row.id() + " (its highest AVAILABLE one)")
        .orElse("no AVAILABLE version: routers answer 404 model_not_found once no instance serves " + name));
    Map<String, List<GpuInstanceItem>> byRegion = instances.stream()
        .collect(Collectors.groupingBy(GpuInstanceItem::getRegion, TreeMap::new, Collectors.toList()));
    if (byRegion.isEmpty()) {
      out.println("no instance in gpu_instances");
    }
    byRegion.forEach((region, mine) -> {
      ServedWatch.Serving serving = ServedWatch.of(name, mine);
      List<String> refused = mine.stream().flatMap(instance -> instance.getRefusedModels().stream()
          .filter(version -> version.startsWith(name + ":")).map(version -> instance.getInstanceId() + " (" + version
              + ")")).toList();
      out.println(region + ": " + serving.serving().size() + "/" + serving.routable().size()
          + " instances serve it" + (serving.routable().isEmpty() ? " (none READY or BUSY)" : "")
          + (refused.isEmpty() ? "" : "; refused to load it: " + String.join(", ", refused)
              + " (the agents' logs say why)"));
    });
  }

  /** Bytes as MiB with one decimal. */
  public static String mebibytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
  }

  private static String line(ModelItem row) {
    return String.format(Locale.ROOT, "%7d  %-10s %9s  %-32s  %-12s  %s", row.getVersion(), row.getState(),
        mebibytes(row.getSizeBytes()), row.getStorePath(), row.getPublishedBy(),
        Instant.ofEpochMilli(row.getPublishedAt()).truncatedTo(ChronoUnit.SECONDS));
  }
}
