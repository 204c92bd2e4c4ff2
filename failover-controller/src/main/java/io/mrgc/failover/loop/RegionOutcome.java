package io.mrgc.failover.loop;

import io.mrgc.failover.dials.DialStatus;
import io.mrgc.failover.machine.Change;
import io.mrgc.failover.machine.Evaluation;

/**
 * What one evaluation did for one region this controller contends for. {@code evaluation}, {@code change} and
 * {@code dial} are null when it did not get that far (or, for change, when nothing changed).
 */
public record RegionOutcome(String region, Outcome outcome, Evaluation evaluation, Change change, DialStatus dial,
    String detail) {

  public enum Outcome {
    /** Leader; a change was written (fenced) and the dial asked for. */
    CHANGED,
    /** Leader; nothing to change (the detail says what the machine waits for). */
    UNCHANGED,
    /** Another controller holds the lease: nothing read or written. */
    NOT_LEADER,
    /** The lease could not be renewed (taken over): stopped acting. */
    LOST_LEASE,
    /** The write was refused by the fencing condition (a newer leader wrote the row): stopped acting. */
    FENCED,
    /** The row changed since it was read (an operator, or the actuator): nothing written, next evaluation re-reads. */
    CONFLICT,
    /** DynamoDB failed: nothing (more) done this evaluation. */
    ERROR
  }

  static RegionOutcome of(String region, Outcome outcome, String detail) {
    return new RegionOutcome(region, outcome, null, null, null, detail);
  }
}
