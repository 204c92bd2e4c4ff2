package io.mrgc.failover.machine;

/** A change the machine wants written to the region row: state, dial, drain hold (null: none) and why. */
public record Change(FailoverState state, int dial, DrainMode drain, String reason) {}
