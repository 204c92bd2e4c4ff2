package io.mrgc.state.items;

import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbBean;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbPartitionKey;

/**
 * A leader lease, e.g. {@code autoscaler/us-east-1}, stored in routing_state (an MRSC table in AWS, so the
 * conditional writes below hold across regions) under the key {@code lease#<name>}. The fencing token only grows: every
 * acquisition by a new holder increments it, so a paused former holder carries a smaller token than the
 * current one and its writes are refused.
 */
@DynamoDbBean
public class LeaseItem {
  private static final String KEY_PREFIX = "lease#";

  private String pk;
  private String name;
  private String holder;
  private long fencingToken;
  private long expiresAtMillis;

  public static String keyOf(String name) {
    return KEY_PREFIX + name;
  }

  @DynamoDbPartitionKey
  @DynamoDbAttribute("pk")
  public String getPk() { return pk; }
  public void setPk(String pk) { this.pk = pk; }

  @DynamoDbAttribute("name")
  public String getName() { return name; }
  public void setName(String name) { this.name = name; }

  @DynamoDbAttribute("holder")
  public String getHolder() { return holder; }
  public void setHolder(String holder) { this.holder = holder; }

  @DynamoDbAttribute("fencing_token")
  public long getFencingToken() { return fencingToken; }
  public void setFencingToken(long fencingToken) { this.fencingToken = fencingToken; }

  @DynamoDbAttribute("expires_at_ms")
  public long getExpiresAtMillis() { return expiresAtMillis; }
  public void setExpiresAtMillis(long expiresAtMillis) { this.expiresAtMillis = expiresAtMillis; }
}
