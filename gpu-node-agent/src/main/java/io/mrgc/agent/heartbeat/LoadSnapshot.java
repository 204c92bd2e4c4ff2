package io.mrgc.agent.heartbeat;

import java.util.List;

/**
 * What one heartbeat reports about the agent's load and the models it serves, and how it batches: up to
 * {@code batchSlots} concurrent requests of one tenant ({@code sharedBatches}: of any tenants, isolation off).
 */
public record LoadSnapshot(int queueDepth, int inFlight, double latencyEwmaMs, int health, List<String> models,
    int batchSlots, boolean sharedBatches) {}
