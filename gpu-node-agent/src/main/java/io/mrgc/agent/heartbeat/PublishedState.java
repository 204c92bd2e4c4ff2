package io.mrgc.agent.heartbeat;

import io.mrgc.state.InstanceState;

/**
 * The state the instance shows in gpu_instances, with why (null when there is nothing to say). Per-request BUSY and
 * WASHING are not shown (they would cost two writes per request): they read as READY.
 */
public record PublishedState(InstanceState state, String reason) {}
