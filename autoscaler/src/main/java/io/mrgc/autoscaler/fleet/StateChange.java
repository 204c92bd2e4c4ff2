package io.mrgc.autoscaler.fleet;

/** The result of terminating one instance. */
public record StateChange(String id, InstanceLifecycle previous, InstanceLifecycle current) {}
