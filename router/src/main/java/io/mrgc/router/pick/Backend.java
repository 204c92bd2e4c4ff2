package io.mrgc.router.pick;

import io.mrgc.state.InstanceState;
import io.mrgc.state.items.GpuInstanceItem;
import java.net.URI;
import java.util.List;
import java.util.Set;

/**
 * One instance as the router sees it in a snapshot: the row's reported figures plus its parsed endpoint. Immutable,
 * so a snapshot can be shared by every request without copying.
 *
 * @param host null when the row has no usable endpoint (such an instance is never picked, not even fail-open)
 * @param reportedLoad queue depth plus in-flight, as the instance last reported it
 * @param batchSlots how many concurrent requests of one tenant the instance batches into one inference run (it
 *     serves one tenant at a time); 1 to {@link #MAX_BATCH_SLOTS} (a row without it, an older agent, serves one
 *     request at a time)
 * @param sharedBatches the agent runs with tenant isolation off (benchmarks only): requests of any tenants may share
 *     the instance
 * @param refusedModels model versions ({@code name:version}) the agent refused to load
 */
public record Backend(String instanceId, String host, int port, InstanceState state, int reportedLoad,
    double latencyEwmaMs, int health, Set<String> models, long heartbeatAtMillis, long startedAtMillis,
    int batchSlots, boolean sharedBatches, Set<String> refusedModels) {

  /** The most batch slots taken from a row: the node agent's own bound on its batch size. */
  public static final int MAX_BATCH_SLOTS = 256;

  public Backend {
    models = models == null ? Set.of() : Set.copyOf(models);
    batchSlots = Math.max(1, Math.min(MAX_BATCH_SLOTS, batchSlots));
    refusedModels = refusedModels == null ? Set.of() : Set.copyOf(refusedModels);
  }

  /** An instance that refused no model version. */
  public Backend(String instanceId, String host, int port, InstanceState state, int reportedLoad,
      double latencyEwmaMs, int health, Set<String> models, long heartbeatAtMillis, long startedAtMillis,
      int batchSlots, boolean sharedBatches) {
    this(instanceId, host, port, state, reportedLoad, latencyEwmaMs, health, models, heartbeatAtMillis,
        startedAtMillis, batchSlots, sharedBatches, Set.of());
  }

  /** An instance that serves one request at a time, of one tenant (batchSlots 1, tenant isolation on). */
  public Backend(String instanceId, String host, int port, InstanceState state, int reportedLoad,
      double latencyEwmaMs, int health, Set<String> models, long heartbeatAtMillis, long startedAtMillis) {
    this(instanceId, host, port, state, reportedLoad, latencyEwmaMs, health, models, heartbeatAtMillis,
        startedAtMillis, 1, false);
  }

  /** This instance with other batching figures. */
  public Backend withBatching(int slots, boolean shared) {
    return new Backend(instanceId, host, port, state, reportedLoad, latencyEwmaMs, health, models, heartbeatAtMillis,
        startedAtMillis, slots, shared, refusedModels);
  }

  public static Backend from(GpuInstanceItem item) {
    URI endpoint = parseEndpoint(item.getEndpoint());
    return new Backend(item.getInstanceId(),
        endpoint == null ? null : endpoint.getHost(),
        endpoint == null ? -1 : endpoint.getPort(),
        parseState(item.getState()),
        Math.max(0, item.getQueueDepth()) + Math.max(0, item.getInFlight()),
        item.getLatencyEwmaMs(),
        item.getHealth(),
        Set.copyOf(item.getModels() == null ? List.of() : item.getModels()),
        item.getHeartbeatAtMillis(),
        item.getStartedAtMillis(),
        item.getBatchSlots(),
        item.isSharedBatches(),
        Set.copyOf(item.getRefusedModels() == null ? List.of() : item.getRefusedModels()));
  }

  /** Whether the instance's agent refused to load a version of {@code model} (its heartbeat's refused_models). */
  public boolean refused(String model) {
    String prefix = model + ":";
    return refusedModels.stream().anyMatch(version -> version.startsWith(prefix));
  }

  public boolean hasEndpoint() {
    return host != null && port > 0;
  }

  public boolean routableState() {
    return state != null && state.routable();
  }

  /**
   * Taken out on purpose by an operator or the agent (quarantined after a failed wash, drained, terminated): never
   * picked, not even fail-open, unlike states that only say the row may be stale.
   */
  public boolean explicitlyOut() {
    return state == InstanceState.QUARANTINED || state == InstanceState.DRAINING
        || state == InstanceState.TERMINATED;
  }

  public boolean serves(String model) {
    return model == null || models.contains(model);
  }

  /** Only plain {@code http://host:port} endpoints are usable; anything else is treated as missing. */
  private static URI parseEndpoint(String endpoint) {
    if (endpoint == null || endpoint.isBlank()) {
      return null;
    }
    try {
      URI uri = URI.create(endpoint.trim());
      if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getPort() <= 0) {
        return null;
      }
      return uri;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static InstanceState parseState(String state) {
    if (state == null) {
      return null;
    }
    try {
      return InstanceState.valueOf(state);
    } catch (IllegalArgumentException e) {
      return null; // an unknown state from a newer agent is not routable
    }
  }
}
