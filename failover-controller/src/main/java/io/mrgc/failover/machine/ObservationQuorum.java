package io.mrgc.failover.machine;

import io.mrgc.common.Check;
import io.mrgc.failover.health.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two-observer rule: a region is judged by the controllers in several regions, and the combined verdict is the
 * worst one that at least {@code quorum} fresh observers agree on (the quorum-th worst verdict). One partitioned
 * controller that sees every other region as unreachable therefore cannot make them FAILED, nor even IMPAIRED; two
 * observers that both see FAILED can. Fewer fresh observers than the quorum give no verdict at all (UNKNOWN).
 */
public final class ObservationQuorum {
  private final int quorum;
  private final Duration freshness;

  /**
   * @param quorum how many observer regions must agree (2 with three regions)
   * @param freshness an observation older than this is left out (the observer stopped, or cannot write)
   */
  public ObservationQuorum(int quorum, Duration freshness) {
    this.quorum = Check.between("quorum", quorum, 1, 100);
    this.freshness = Check.positive("freshness", freshness);
  }

  public int quorum() {
    return quorum;
  }

  public Evaluation combine(List<Observation> observations, Instant now) {
    Instant freshSince = now.minus(freshness);
    Map<String, Observation> newestPerRegion = new LinkedHashMap<>();
    for (Observation o : observations) {
      if (o == null || o.verdict() == null || o.at() == null || o.at().isBefore(freshSince)) {
        continue;
      }
      newestPerRegion.merge(o.observerRegion(), o, (a, b) -> a.at().isAfter(b.at()) ? a : b);
    }
    List<Observation> fresh = new ArrayList<>(newestPerRegion.values());
    fresh.sort(Comparator.comparing(Observation::verdict).reversed().thenComparing(Observation::observerRegion));
    if (fresh.size() < quorum) {
      return Evaluation.unknown(fresh.size(), quorum, "UNKNOWN: " + fresh.size() + " fresh observer"
          + (fresh.size() == 1 ? "" : "s") + ", need " + quorum + views(fresh));
    }
    Verdict verdict = fresh.get(quorum - 1).verdict();
    long agreeing = fresh.stream().filter(o -> o.verdict().atLeast(verdict)).count();
    return Evaluation.of(verdict, fresh.size(), quorum,
        verdict + " by " + agreeing + " of " + fresh.size() + " observers" + views(fresh));
  }

  private static String views(List<Observation> fresh) {
    if (fresh.isEmpty()) {
      return "";
    }
    List<String> views = new ArrayList<>();
    for (Observation o : fresh) {
      List<String> problems = o.reasons().stream().filter(r -> !r.startsWith("note:")).toList();
      views.add(o.observerRegion() + " " + o.verdict() + (problems.isEmpty() || o.verdict() == Verdict.HEALTHY ? ""
          : ": " + String.join(", ", problems)));
    }
    return " [" + String.join("; ", views) + "]";
  }
}
