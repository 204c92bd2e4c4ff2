package io.mrgc.failover.state;

import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbBean;

/**
 * One entry of a region row's audit history: a change of state, dial or drain hold, who made it and why.
 * {@code token} is the writer's fencing token (0 for an operator, who holds no lease).
 */
@DynamoDbBean
public class TransitionItem {
  private long atMillis;
  private String fromState;
  private String toState;
  private int fromDial;
  private int toDial;
  private String drain;
  private String reason;
  private String actor;
  private long token;

  @DynamoDbAttribute("at")
  public long getAtMillis() { return atMillis; }
  public void setAtMillis(long atMillis) { this.atMillis = atMillis; }

  @DynamoDbAttribute("from_state")
  public String getFromState() { return fromState; }
  public void setFromState(String fromState) { this.fromState = fromState; }

  @DynamoDbAttribute("to_state")
  public String getToState() { return toState; }
  public void setToState(String toState) { this.toState = toState; }

  @DynamoDbAttribute("from_dial")
  public int getFromDial() { return fromDial; }
  public void setFromDial(int fromDial) { this.fromDial = fromDial; }

  @DynamoDbAttribute("to_dial")
  public int getToDial() { return toDial; }
  public void setToDial(int toDial) { this.toDial = toDial; }

  /** The drain hold after the change (DRAINING, DRAINED), or null. */
  @DynamoDbAttribute("drain")
  public String getDrain() { return drain; }
  public void setDrain(String drain) { this.drain = drain; }

  @DynamoDbAttribute("reason")
  public String getReason() { return reason; }
  public void setReason(String reason) { this.reason = reason; }

  @DynamoDbAttribute("actor")
  public String getActor() { return actor; }
  public void setActor(String actor) { this.actor = actor; }

  @DynamoDbAttribute("token")
  public long getToken() { return token; }
  public void setToken(long token) { this.token = token; }

  @Override
  public String toString() {
    return fromState + "/" + fromDial + " -> " + toState + "/" + toDial + (drain == null ? "" : " " + drain) + " by "
        + actor + " (token " + token + "): " + reason;
  }
}
