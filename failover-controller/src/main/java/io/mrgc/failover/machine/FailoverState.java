package io.mrgc.failover.machine;

/** A region's failover state in routing_state ({@code failover_state}). */
public enum FailoverState {
  /** Serving with its dial at 100. */
  NORMAL,
  /** Impaired: still serving; other regions' autoscalers pre-scale. */
  DEGRADED,
  /** Evacuated: its routers fail /healthz/region, so health checks (data plane) move its traffic away. */
  FAILOVER_ACTIVE,
  /** Taking traffic back through the dial ramp (10 -> 50 -> 100 by default), gated on health. */
  RECOVERING;

  /** The row's text; a missing or unknown value reads as NORMAL (what local mode writes for a new region). */
  public static FailoverState parse(String text) {
    if (text == null) {
      return NORMAL;
    }
    try {
      return valueOf(text);
    } catch (IllegalArgumentException e) {
      return NORMAL;
    }
  }
}
