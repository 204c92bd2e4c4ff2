package io.mrgc.failover.machine;

/**
 * Whether a planned drain may take its next step: every other region is NORMAL and judged HEALTHY, and the
 * {@code Prescaler} says the survivors are ready for the extra traffic. {@code detail} says what is missing.
 */
public record DrainGate(boolean open, String detail) {
  public static final DrainGate OPEN = new DrainGate(true, "other regions healthy");

  public static DrainGate closed(String detail) {
    return new DrainGate(false, detail);
  }
}
