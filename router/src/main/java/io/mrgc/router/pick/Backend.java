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
 */
public record Backend(String instanceId, String host, int port, InstanceState state, int reportedLoad,
    double latencyEwmaMs, int health, Set<String> models, long heartbeatAtMillis, long startedAtMillis) {

  public Backend {
    models = models == null ? Set.of() : Set.copyOf(models);
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
        item.getStartedAtMillis());
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
