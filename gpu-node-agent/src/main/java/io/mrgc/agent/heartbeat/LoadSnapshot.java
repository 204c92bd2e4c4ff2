package io.mrgc.agent.heartbeat;

import java.util.List;

/**
 * What one heartbeat reports about the agent's load, the models it serves (and the versions it refused to load), and
 * how it batches: up to {@code batchSlots} concurrent requests of one tenant ({@code sharedBatches}: of any tenants,
 * isolation off).
 */
public record LoadSnapshot(int queueDepth, int inFlight, double latencyEwmaMs, int health, List<String> models,
    int batchSlots, boolean sharedBatches, List<String> refusedModels) {
  /** A snapshot of an agent that refused no model version. */
  public LoadSnapshot(int queueDepth, int inFlight, double latencyEwmaMs, int health, List<String> models,
      int batchSlots, boolean sharedBatches) {
    this(queueDepth, inFlight, latencyEwmaMs, health, models, batchSlots, sharedBatches, List.of());
  }
}
