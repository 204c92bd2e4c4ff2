package io.mrgc.carwash;

/**
 * One step of the car wash. Steps run in order on the wash's own thread; a step may throw (recorded as FAILED with
 * the exception's class and message) and should honour interruption (the wash interrupts a step that runs past
 * the wash's deadline). Details name buffers, files and counts, never payload bytes or keys.
 */
public interface WashStep {
  /** Short stable name, e.g. {@code buffer-scrub}; recorded in cleanup_validation. */
  String name();

  StepResult run(WashContext context) throws Exception;
}
