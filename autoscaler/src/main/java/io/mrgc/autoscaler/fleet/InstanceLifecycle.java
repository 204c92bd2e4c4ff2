package io.mrgc.autoscaler.fleet;

/** The provider's lifecycle states (EC2 instance-state-name), not the node agent's READY/DRAINING states. */
public enum InstanceLifecycle {
  PENDING, RUNNING, STOPPING, STOPPED, SHUTTING_DOWN, TERMINATED, UNKNOWN
}
