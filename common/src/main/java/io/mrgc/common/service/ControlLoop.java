package io.mrgc.common.service;

import java.util.List;

/**
 * A control loop that acts only while it holds its leases (the autoscaler, the failover controller): what a
 * {@link ControlLoopService} starts, shows on {@code /healthz} and stops.
 */
public interface ControlLoop {
  /** What it is, for logs and the stop account ({@code autoscaler us-east-1}). */
  String name();

  /** Starts evaluating on a thread of its own. */
  void start();

  /** The leases it holds now (read from any thread). */
  List<String> heldLeases();

  /**
   * Stops evaluating and gives its leases up with a conditional write on their fencing tokens, so a standby takes
   * over at its next evaluation instead of when they expire. Blocking. Returns the leases released.
   */
  List<String> stop();

  /** Stops evaluating without giving leases up, as a process that died (chaos tests); they expire instead. */
  default void halt() {
    stop();
  }
}
