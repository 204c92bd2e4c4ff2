package io.mrgc.state.items;

import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.enhanced.dynamodb.extensions.annotations.DynamoDbVersionAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbBean;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbPartitionKey;

/**
 * A region's row in autoscaling_state (MRSC in AWS): what its autoscaler decided and why, the counts it saw, the
 * policy state it carries between ticks, and an SRE override. The autoscaler writes it fenced (its lease's token and
 * the version); an SRE override ({@code mrgc scale set}, or the runbook's raw update of {@code desired_capacity} and
 * {@code override_until}) is a versioned update that leaves the fencing token as it is.
 *
 * <p>{@code desired_capacity} is both the autoscaler's last decision and, while {@code override_until} (epoch ms) is
 * in the future, the SRE's value, which then wins.
 */
@DynamoDbBean
public class AutoscalingStateItem {
  public static final String METRICS_FRESH = "FRESH";
  public static final String METRICS_STALE = "STALE";
  public static final String METRICS_MISSING = "MISSING";
  public static final String METRICS_UNKNOWN = "UNKNOWN";

  private String region;
  private Integer desiredCapacity;
  private int current;
  private int launching;
  private int draining;
  private Long overrideUntilMillis;
  private String overrideBy;
  private String lastDecision;
  private String lastReason;
  private String lastDirection;
  private long decidedAtMillis;
  private String metricsStatus = METRICS_UNKNOWN;
  private Double rps;
  private Long metricsAgeMillis;
  private String policyState;
  private Map<String, Long> drainingSince = new HashMap<>();
  private String actor;
  private long fencingToken;
  private Long version;

  /** The row before any decision: no desired capacity yet, no override. */
  public static AutoscalingStateItem initial(String region, long nowMillis) {
    AutoscalingStateItem item = new AutoscalingStateItem();
    item.setRegion(region);
    item.setLastReason("initial");
    item.setActor("bootstrap");
    item.setDecidedAtMillis(nowMillis);
    return item;
  }

  /** True when an SRE override with a value is set and {@code override_until} is after {@code nowMillis}. */
  public boolean overrideActiveAt(long nowMillis) {
    return desiredCapacity != null && overrideUntilMillis != null && nowMillis < overrideUntilMillis;
  }

  @DynamoDbPartitionKey
  @DynamoDbAttribute("region")
  public String getRegion() { return region; }
  public void setRegion(String region) { this.region = region; }

  /** The autoscaler's last decision, or the SRE's value while the override is unexpired. Null before the first. */
  @DynamoDbAttribute("desired_capacity")
  public Integer getDesiredCapacity() { return desiredCapacity; }
  public void setDesiredCapacity(Integer desiredCapacity) { this.desiredCapacity = desiredCapacity; }

  /** Instances serving (READY, BUSY, WASHING rows) when the decision was made. */
  @DynamoDbAttribute("current")
  public int getCurrent() { return current; }
  public void setCurrent(int current) { this.current = current; }

  @DynamoDbAttribute("launching")
  public int getLaunching() { return launching; }
  public void setLaunching(int launching) { this.launching = launching; }

  @DynamoDbAttribute("draining")
  public int getDraining() { return draining; }
  public void setDraining(int draining) { this.draining = draining; }

  /** Epoch ms until which {@code desired_capacity} is the SRE's override; null: no override. */
  @DynamoDbAttribute("override_until")
  public Long getOverrideUntilMillis() { return overrideUntilMillis; }
  public void setOverrideUntilMillis(Long overrideUntilMillis) { this.overrideUntilMillis = overrideUntilMillis; }

  @DynamoDbAttribute("override_by")
  public String getOverrideBy() { return overrideBy; }
  public void setOverrideBy(String overrideBy) { this.overrideBy = overrideBy; }

  /** Short form of the last decision, e.g. {@code UP 2 -> 5}. */
  @DynamoDbAttribute("last_decision")
  public String getLastDecision() { return lastDecision; }
  public void setLastDecision(String lastDecision) { this.lastDecision = lastDecision; }

  @DynamoDbAttribute("last_reason")
  public String getLastReason() { return lastReason; }
  public void setLastReason(String lastReason) { this.lastReason = lastReason; }

  /** UP, DOWN or HOLD. */
  @DynamoDbAttribute("last_direction")
  public String getLastDirection() { return lastDirection; }
  public void setLastDirection(String lastDirection) { this.lastDirection = lastDirection; }

  @DynamoDbAttribute("decided_at")
  public long getDecidedAtMillis() { return decidedAtMillis; }
  public void setDecidedAtMillis(long decidedAtMillis) { this.decidedAtMillis = decidedAtMillis; }

  /** FRESH, STALE, MISSING (or UNKNOWN before the first tick). */
  @DynamoDbAttribute("metrics_status")
  public String getMetricsStatus() { return metricsStatus; }
  public void setMetricsStatus(String metricsStatus) { this.metricsStatus = metricsStatus; }

  /** The region's RPS the decision used (sum over its routers' latest windows); null when missing. */
  @DynamoDbAttribute("rps")
  public Double getRps() { return rps; }
  public void setRps(Double rps) { this.rps = rps; }

  /** Age of the newest metrics window at the decision; null when missing. */
  @DynamoDbAttribute("metrics_age_ms")
  public Long getMetricsAgeMillis() { return metricsAgeMillis; }
  public void setMetricsAgeMillis(Long metricsAgeMillis) { this.metricsAgeMillis = metricsAgeMillis; }

  /** The policy's carried state (sample window, sustain timers, cooldown), compact JSON written by the autoscaler. */
  @DynamoDbAttribute("policy_state")
  public String getPolicyState() { return policyState; }
  public void setPolicyState(String policyState) { this.policyState = policyState; }

  /** Instance id -> epoch ms when the autoscaler first saw it DRAINING (for the drain timeout across leaders). */
  @DynamoDbAttribute("draining_since")
  public Map<String, Long> getDrainingSince() { return drainingSince; }
  public void setDrainingSince(Map<String, Long> drainingSince) {
    this.drainingSince = drainingSince == null ? new HashMap<>() : drainingSince;
  }

  /** Who wrote the row last: the autoscaler's lease holder id, or the SRE's name for an override. */
  @DynamoDbAttribute("actor")
  public String getActor() { return actor; }
  public void setActor(String actor) { this.actor = actor; }

  /** Highest fencing token that has written this row; older tokens are refused by a condition. */
  @DynamoDbAttribute("fencing_token")
  public long getFencingToken() { return fencingToken; }
  public void setFencingToken(long fencingToken) { this.fencingToken = fencingToken; }

  @DynamoDbVersionAttribute
  @DynamoDbAttribute("version")
  public Long getVersion() { return version; }
  public void setVersion(Long version) { this.version = version; }
}
