package io.mrgc.agent.registry;

import io.mrgc.agent.model.ModelBudgetException;
import io.mrgc.agent.model.ModelLoadException;
import io.mrgc.agent.model.ModelSource;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;

/**
 * Model versions refused at load, so that a refused version is not tried again on every poll: a corrupt version only
 * once its registry row changes (another manifest), one refused for the memory budget once it would fit. Thread-safe.
 */
final class ModelRefusals {
  /** {@code neededBytes} > 0: refused for the budget only. */
  private record Refusal(String manifestSha256, String reason, long neededBytes) {}

  private final Map<String, Refusal> byId = new TreeMap<>();

  /**
   * Whether {@code source} was refused and should not be tried now: the same row, and for a budget refusal
   * {@code fits} (given the bytes it needs) still false.
   */
  synchronized boolean settled(ModelSource source, LongPredicate fits) {
    Refusal refusal = byId.get(source.id());
    if (refusal == null || !Objects.equals(refusal.manifestSha256(), source.manifestSha256())) {
      return false;
    }
    return refusal.neededBytes() <= 0 || !fits.test(refusal.neededBytes());
  }

  /** Records the refusal; true when it is news (not the same reason for the same row again), to log it once. */
  synchronized boolean refuse(ModelSource source, ModelLoadException why) {
    long needed = why instanceof ModelBudgetException budget ? budget.neededBytes() : 0;
    Refusal refusal = new Refusal(source.manifestSha256(), why.getMessage(), needed);
    return !refusal.equals(byId.put(source.id(), refusal));
  }

  /** The version loaded after all. */
  synchronized void clear(String id) {
    byId.remove(id);
  }

  /** Refused versions (name:version, or the directory's name outside the registry) and why. */
  synchronized Map<String, String> reasons() {
    return byId.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().reason(),
        (a, b) -> a, TreeMap::new));
  }
}
