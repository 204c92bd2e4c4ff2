package io.mrgc.failover.machine;

import io.mrgc.failover.health.Verdict;
import java.util.Optional;

/**
 * The combined verdict on a region from the fresh observations: empty (UNKNOWN) when fewer observers than the quorum
 * are fresh, which holds every state and breaks every streak.
 *
 * @param fresh how many observer regions had a fresh observation
 * @param quorum how many must agree
 * @param summary the verdict with each observer's view, for reasons and status
 */
public record Evaluation(Optional<Verdict> verdict, int fresh, int quorum, String summary) {
  public static Evaluation of(Verdict verdict, int fresh, int quorum, String summary) {
    return new Evaluation(Optional.of(verdict), fresh, quorum, summary);
  }

  public static Evaluation unknown(int fresh, int quorum, String summary) {
    return new Evaluation(Optional.empty(), fresh, quorum, summary);
  }

  public String verdictText() {
    return verdict.map(Verdict::name).orElse("UNKNOWN");
  }
}
