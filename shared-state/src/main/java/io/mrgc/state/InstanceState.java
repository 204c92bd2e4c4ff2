package io.mrgc.state;

/** Lifecycle states of a GPU instance as written to gpu_instances. Routers send only to {@link #routable()} ones. */
public enum InstanceState {
  STARTING, READY, BUSY, WASHING, DRAINING, QUARANTINED, TERMINATED;

  public boolean routable() {
    return this == READY || this == BUSY;
  }
}
