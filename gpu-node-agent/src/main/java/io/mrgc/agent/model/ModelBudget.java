package io.mrgc.agent.model;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The memory budget of the models one agent serves ({@code models.memoryBudget}). A version's footprint is the sum of
 * its files' sizes (what its manifest lists); it is checked before anything is read. A newer version of a served model
 * counts the version it replaces as freed.
 */
public final class ModelBudget {
  private static final double MIB = 1024.0 * 1024;

  /** One model counted against the budget. */
  public record Footprint(String name, long version, long bytes) {}

  private final long budgetBytes;

  public ModelBudget(long budgetBytes) {
    if (budgetBytes < 1) {
      throw new IllegalArgumentException("model memory budget must be at least 1 byte, got " + budgetBytes);
    }
    this.budgetBytes = budgetBytes;
  }

  public long budgetBytes() {
    return budgetBytes;
  }

  /** Bytes free for {@code name} beside {@code loaded} (a version of {@code name} there counts as freed). */
  public long freeFor(String name, Collection<Footprint> loaded) {
    return Math.max(0, budgetBytes - others(name, loaded).stream().mapToLong(Footprint::bytes).sum());
  }

  /** Refuses {@code name:version} of {@code bytes} when it does not fit beside {@code loaded}, saying what to do. */
  public void check(String name, long version, long bytes, Collection<Footprint> loaded)
      throws ModelBudgetException {
    long free = freeFor(name, loaded);
    if (bytes > free) {
      String counted = others(name, loaded).stream().sorted(Comparator.comparing(Footprint::name))
          .map(f -> f.name() + ":" + f.version() + " " + mib(f.bytes()) + " MiB").collect(Collectors.joining(", "));
      throw new ModelBudgetException("model " + name + ":" + version + " needs " + mib(bytes) + " MiB but the budget "
          + "(models.memoryBudget) has " + mib(free) + " of " + mib(budgetBytes) + " MiB free (loaded: "
          + (counted.isEmpty() ? "none" : counted) + "); retire a model or raise models.memoryBudget", bytes);
    }
  }

  private static Collection<Footprint> others(String name, Collection<Footprint> loaded) {
    return loaded.stream().filter(f -> !f.name().equals(name)).toList();
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes / MIB);
  }
}
