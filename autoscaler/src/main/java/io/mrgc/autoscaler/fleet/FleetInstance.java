package io.mrgc.autoscaler.fleet;

import java.time.Instant;

/** One instance of the fleet as the provider reports it. {@code launchedAt} and {@code privateIp} may be null. */
public record FleetInstance(String id, InstanceLifecycle state, Instant launchedAt, String privateIp) {}
