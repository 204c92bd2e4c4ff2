package io.mrgc.failover.machine;

/**
 * An operator's hold on a region ({@code drain} in routing_state; absent = none). A drain is planned: the dial goes
 * down in steps while the other regions stay healthy, and the region then stays evacuated until an undrain.
 */
public enum DrainMode {
  /** The dial steps down (default 75, 50, 25, 0); at 0 the region becomes FAILOVER_ACTIVE and DRAINED. */
  DRAINING,
  /** Evacuated and held there: no automatic recovery until an undrain (also set by force FAILOVER_ACTIVE). */
  DRAINED;

  public static DrainMode parse(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return valueOf(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
