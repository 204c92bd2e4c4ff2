package io.mrgc.carwash.steps;

/** Memory that may hold a tenant's plaintext or outputs, and that the wash zeroes and then verifies. */
public interface Scrubbable {
  /** Stable name for the record, e.g. {@code request-bodies}. */
  String name();

  /** Overwrites every byte that may have held tenant data with zeros. */
  void scrub();

  /** True if nothing of a tenant can remain: every byte is zero (implementations say what else they check). */
  boolean isClean();
}
