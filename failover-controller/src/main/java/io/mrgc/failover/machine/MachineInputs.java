package io.mrgc.failover.machine;

import java.time.Instant;
import java.util.OptionalInt;

/**
 * One evaluation of one region.
 *
 * @param streaks already advanced with this evaluation's verdict
 * @param appliedDial the dial the traffic-dial actuator confirms for the region (empty: unknown or not yet applied);
 *     dial steps up and drain steps down wait for the previous step to be applied, evacuation never waits
 * @param drainGate only read while the region drains
 * @param recentRelapses relapses of this region within the config's relapseMemory (they lengthen recoverAfter)
 * @param survivorServing whether another region is not FAILOVER_ACTIVE: evacuating the last serving region would
 *     only make Global Accelerator fail open to a random one (the "last healthy region" guard)
 */
public record MachineInputs(Instant now, RegionState current, Evaluation evaluation, Streaks streaks,
    OptionalInt appliedDial, DrainGate drainGate, int recentRelapses, boolean survivorServing) {}
