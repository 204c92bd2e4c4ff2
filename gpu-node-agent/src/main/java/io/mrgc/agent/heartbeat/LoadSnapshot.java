package io.mrgc.agent.heartbeat;

import java.util.List;

/** What one heartbeat reports about the agent's load and the models it serves. */
public record LoadSnapshot(int queueDepth, int inFlight, double latencyEwmaMs, int health, List<String> models) {}
