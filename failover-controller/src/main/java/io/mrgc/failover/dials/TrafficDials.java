package io.mrgc.failover.dials;

import java.util.concurrent.CompletableFuture;

/**
 * The actuator of traffic dials: Global Accelerator's endpoint groups in AWS ({@link GlobalAcceleratorDials}), the
 * region rows the local front door reads ({@link RoutingStateDials}). The controller writes the dial into the region
 * row first (the record of intent, fenced), then asks the actuator; nothing on the data plane waits for it.
 */
public interface TrafficDials {
  /**
   * Asks for a dial and returns at once; the actuator applies it in the background, retrying on failure until it is
   * applied or a newer request replaces it. Asking again for the dial already applied or being applied does
   * nothing. The future completes (never exceptionally) when this request's attempt has finished, applied or not.
   */
  CompletableFuture<DialStatus> apply(DialRequest request);

  /** Where the actuator stands for {@code region}. */
  DialStatus status(String region);
}
