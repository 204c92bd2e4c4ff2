package io.mrgc.state.items;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.enhanced.dynamodb.extensions.annotations.DynamoDbVersionAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbBean;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbPartitionKey;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbSecondaryPartitionKey;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbSortKey;

/**
 * One GPU instance's heartbeat row in gpu_instances. Home-region row: only the instance itself writes it
 * (plus lifecycle actors under the version condition), so last-writer-wins replication is safe.
 */
@DynamoDbBean
public class GpuInstanceItem {
  private String region;
  private String instanceId;
  private String endpoint;
  private String state;
  private String stateReason;
  private int queueDepth;
  private int inFlight;
  private double latencyEwmaMs;
  private int health;
  private List<String> models = new ArrayList<>();
  private List<String> refusedModels = new ArrayList<>();
  private long heartbeatAtMillis;
  private long startedAtMillis;
  private int batchSlots;
  private boolean sharedBatches;
  private long expiresAtEpochSeconds;
  private Long version;

  @DynamoDbPartitionKey
  @DynamoDbAttribute("region")
  public String getRegion() { return region; }
  public void setRegion(String region) { this.region = region; }

  @DynamoDbSortKey
  @DynamoDbSecondaryPartitionKey(indexNames = "by_instance_id")
  @DynamoDbAttribute("instance_id")
  public String getInstanceId() { return instanceId; }
  public void setInstanceId(String instanceId) { this.instanceId = instanceId; }

  /** Base URL the router forwards to, e.g. {@code http://10.0.3.7:8081}. */
  @DynamoDbAttribute("endpoint")
  public String getEndpoint() { return endpoint; }
  public void setEndpoint(String endpoint) { this.endpoint = endpoint; }

  @DynamoDbAttribute("state")
  public String getState() { return state; }
  public void setState(String state) { this.state = state; }

  /**
   * Why the instance is in its state, set by whoever set it (e.g. the failed wash step of a QUARANTINED
   * instance, the reason for an instance-level WASHING); null when there is nothing to say (READY).
   */
  @DynamoDbAttribute("state_reason")
  public String getStateReason() { return stateReason; }
  public void setStateReason(String stateReason) { this.stateReason = stateReason; }

  @DynamoDbAttribute("queue_depth")
  public int getQueueDepth() { return queueDepth; }
  public void setQueueDepth(int queueDepth) { this.queueDepth = queueDepth; }

  @DynamoDbAttribute("in_flight")
  public int getInFlight() { return inFlight; }
  public void setInFlight(int inFlight) { this.inFlight = inFlight; }

  @DynamoDbAttribute("latency_ewma_ms")
  public double getLatencyEwmaMs() { return latencyEwmaMs; }
  public void setLatencyEwmaMs(double latencyEwmaMs) { this.latencyEwmaMs = latencyEwmaMs; }

  /** 0 (unusable) .. 100 (fully healthy), computed by the agent. */
  @DynamoDbAttribute("health")
  public int getHealth() { return health; }
  public void setHealth(int health) { this.health = health; }

  @DynamoDbAttribute("models")
  public List<String> getModels() { return models; }
  public void setModels(List<String> models) { this.models = models == null ? new ArrayList<>() : models; }

  /**
   * Model versions ({@code name:version}) the agent refused to load (a file that does not match its manifest, a
   * manifest that differs from the registry's, the memory budget): operators see them in {@code mrgc model show}.
   */
  @DynamoDbAttribute("refused_models")
  public List<String> getRefusedModels() { return refusedModels; }
  public void setRefusedModels(List<String> refusedModels) {
    this.refusedModels = refusedModels == null ? new ArrayList<>() : refusedModels;
  }

  @DynamoDbAttribute("heartbeat_at")
  public long getHeartbeatAtMillis() { return heartbeatAtMillis; }
  public void setHeartbeatAtMillis(long heartbeatAtMillis) { this.heartbeatAtMillis = heartbeatAtMillis; }

  @DynamoDbAttribute("started_at")
  public long getStartedAtMillis() { return startedAtMillis; }
  public void setStartedAtMillis(long startedAtMillis) { this.startedAtMillis = startedAtMillis; }

  /**
   * How many concurrent requests of one tenant the instance batches into one inference run (it serves one tenant
   * at a time); 0 (or absent, an agent that predates it) means 1: one request at a time.
   */
  @DynamoDbAttribute("batch_slots")
  public int getBatchSlots() { return batchSlots; }
  public void setBatchSlots(int batchSlots) { this.batchSlots = batchSlots; }

  /**
   * True only when the agent runs with tenant isolation off (a benchmark-only switch): requests of any tenants may
   * then share the instance and its batches. False (or absent) otherwise.
   */
  @DynamoDbAttribute("shared_batches")
  public boolean isSharedBatches() { return sharedBatches; }
  public void setSharedBatches(boolean sharedBatches) { this.sharedBatches = sharedBatches; }

  /** TTL attribute: a row whose instance stopped heart-beating disappears on its own. */
  @DynamoDbAttribute("expires_at")
  public long getExpiresAtEpochSeconds() { return expiresAtEpochSeconds; }
  public void setExpiresAtEpochSeconds(long expiresAtEpochSeconds) { this.expiresAtEpochSeconds = expiresAtEpochSeconds; }

  @DynamoDbVersionAttribute
  @DynamoDbAttribute("version")
  public Long getVersion() { return version; }
  public void setVersion(Long version) { this.version = version; }

  /** Queue depth plus requests already executing: the load figure routers score on. */
  public int load() {
    return queueDepth + inFlight;
  }
}
