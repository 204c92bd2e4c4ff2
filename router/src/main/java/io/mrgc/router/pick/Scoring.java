package io.mrgc.router.pick;

/**
 * The score of one instance: 0.5 x queue + 0.3 x latency + 0.2 x health, each term 0..100 on FIXED absolute
 * thresholds. Fixed thresholds (not min-max across the fleet) keep a queue of 0 vs 1 from looking like best vs worst
 * and keep equal fleets equal (reference/router.md pitfall 6). Higher is better.
 */
public final class Scoring {
  public static final double QUEUE_WEIGHT = 0.5;
  public static final double LATENCY_WEIGHT = 0.3;
  public static final double HEALTH_WEIGHT = 0.2;

  /**
   * Estimated load (queued + executing) at which the queue term reaches 0. A GPU instance batches a few dozen
   * requests; beyond 32 waiting its tail latency is already several request durations long.
   */
  public static final int QUEUE_SATURATION_DEPTH = 32;

  /** Latency EWMA at or below which the latency term is 100 (a fast embedding call end to end). */
  public static final double LATENCY_GOOD_MS = 50;

  /** Latency EWMA at or above which the latency term is 0 (clearly backed up or slow hardware). */
  public static final double LATENCY_BAD_MS = 2_000;

  private Scoring() {}

  /** 100 at load 0, falling linearly to 0 at {@link #QUEUE_SATURATION_DEPTH}, 0 beyond. */
  public static double queueTerm(double estimatedLoad) {
    double load = Math.max(0, estimatedLoad);
    return clamp(100.0 * (1.0 - load / QUEUE_SATURATION_DEPTH));
  }

  /** 100 at or below {@link #LATENCY_GOOD_MS}, falling linearly to 0 at {@link #LATENCY_BAD_MS}. */
  public static double latencyTerm(double latencyEwmaMs) {
    if (Double.isNaN(latencyEwmaMs) || latencyEwmaMs <= LATENCY_GOOD_MS) {
      return 100.0;
    }
    return clamp(100.0 * (LATENCY_BAD_MS - latencyEwmaMs) / (LATENCY_BAD_MS - LATENCY_GOOD_MS));
  }

  /** The agent's own 0..100 health, clamped. */
  public static double healthTerm(int health) {
    return clamp(health);
  }

  public static double score(double estimatedLoad, double latencyEwmaMs, int health) {
    return score(estimatedLoad, latencyEwmaMs, health, 1.0);
  }

  /**
   * The score with the queue term scaled by {@code slowStartFactor} (0..1). Slow start scales the queue term, the
   * one an idle-looking new instance wins on; scaling latency and health too would starve it whenever the fleet is
   * saturated (exactly when the autoscaler adds it).
   */
  public static double score(double estimatedLoad, double latencyEwmaMs, int health, double slowStartFactor) {
    return QUEUE_WEIGHT * queueTerm(estimatedLoad) * slowStartFactor
        + LATENCY_WEIGHT * latencyTerm(latencyEwmaMs)
        + HEALTH_WEIGHT * healthTerm(health);
  }

  private static double clamp(double value) {
    return Math.max(0.0, Math.min(100.0, value));
  }
}
