package io.mrgc.failover.machine;

import java.time.Instant;

/**
 * What the region row says now: its state, dial, drain hold (null: none) and when it last changed (the ramp and
 * drain holds count from there).
 */
public record RegionState(FailoverState state, int dial, DrainMode drain, Instant changedAt) {}
