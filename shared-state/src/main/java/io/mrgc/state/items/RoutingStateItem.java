package io.mrgc.state.items;

import software.amazon.awssdk.enhanced.dynamodb.extensions.annotations.DynamoDbVersionAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbBean;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbPartitionKey;

/**
 * A region's routing row in routing_state: failover state and traffic dial. Written by control loops only,
 * conditional on version and on the writer's fencing token (routing_state is an MRSC global table in AWS).
 */
@DynamoDbBean
public class RoutingStateItem {
  public static final String NORMAL = "NORMAL";

  private static final String KEY_PREFIX = "region#";

  private String pk;
  private String region;
  private String failoverState = NORMAL;
  private int trafficDial = 100;
  private String reason;
  private String actor;
  private long fencingToken;
  private long updatedAtMillis;
  private Long version;

  public static RoutingStateItem initial(String region, long nowMillis) {
    RoutingStateItem item = new RoutingStateItem();
    item.setPk(keyOf(region));
    item.setRegion(region);
    item.setReason("initial");
    item.setActor("bootstrap");
    item.setUpdatedAtMillis(nowMillis);
    return item;
  }

  /** routing_state also holds leases, so rows are keyed {@code region#<region>} / {@code lease#<name>}. */
  public static String keyOf(String region) {
    return KEY_PREFIX + region;
  }

  @DynamoDbPartitionKey
  @DynamoDbAttribute("pk")
  public String getPk() { return pk; }
  public void setPk(String pk) { this.pk = pk; }

  @DynamoDbAttribute("region")
  public String getRegion() { return region; }
  public void setRegion(String region) { this.region = region; }

  @DynamoDbAttribute("failover_state")
  public String getFailoverState() { return failoverState; }
  public void setFailoverState(String failoverState) { this.failoverState = failoverState; }

  /** Global Accelerator semantics: percent (0..100) of the traffic headed to this region that it keeps. */
  @DynamoDbAttribute("traffic_dial")
  public int getTrafficDial() { return trafficDial; }
  public void setTrafficDial(int trafficDial) { this.trafficDial = trafficDial; }

  @DynamoDbAttribute("reason")
  public String getReason() { return reason; }
  public void setReason(String reason) { this.reason = reason; }

  @DynamoDbAttribute("actor")
  public String getActor() { return actor; }
  public void setActor(String actor) { this.actor = actor; }

  /** Highest fencing token that has written this row; older tokens are refused by a condition. */
  @DynamoDbAttribute("fencing_token")
  public long getFencingToken() { return fencingToken; }
  public void setFencingToken(long fencingToken) { this.fencingToken = fencingToken; }

  @DynamoDbAttribute("updated_at")
  public long getUpdatedAtMillis() { return updatedAtMillis; }
  public void setUpdatedAtMillis(long updatedAtMillis) { this.updatedAtMillis = updatedAtMillis; }

  @DynamoDbVersionAttribute
  @DynamoDbAttribute("version")
  public Long getVersion() { return version; }
  public void setVersion(Long version) { this.version = version; }
}
