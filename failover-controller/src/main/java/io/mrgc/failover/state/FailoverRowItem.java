package io.mrgc.failover.state;

import io.mrgc.failover.machine.Change;
import io.mrgc.failover.machine.DrainMode;
import io.mrgc.failover.machine.FailoverState;
import io.mrgc.failover.machine.RegionState;
import io.mrgc.state.items.RoutingStateItem;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbBean;

/**
 * The failover controller's view of a region row in routing_state: the shared attributes of {@link RoutingStateItem}
 * (what routers and the front door read) plus the controller's own: the drain hold, the bounded audit history and
 * the dial actuator's status. Extra attributes are invisible to readers that use {@code RoutingStateItem}, and their
 * writes (UpdateItem of their mapped attributes only) leave them alone.
 *
 * <p>The history lives in the row so that a change and its audit entry are one single-item conditional write
 * (routing_state is an MRSC table in AWS: no transactions). It is bounded ({@link #apply}'s limit, 100 by default,
 * oldest dropped) and reasons are cut to {@link #REASON_LIMIT} characters, keeping the row near 20 KB at most.
 */
@DynamoDbBean
public class FailoverRowItem extends RoutingStateItem {
  public static final int REASON_LIMIT = 300;

  private String drain;
  private List<TransitionItem> history = new ArrayList<>();
  private Integer dialApplied;
  private Integer dialAttempts;
  private String dialError;
  private String drainWaitsFor;

  /** The drain hold: DRAINING, DRAINED, or null. */
  @DynamoDbAttribute("drain")
  public String getDrain() { return drain; }
  public void setDrain(String drain) { this.drain = drain; }

  /** Oldest first. */
  @DynamoDbAttribute("history")
  public List<TransitionItem> getHistory() { return history; }
  public void setHistory(List<TransitionItem> history) { this.history = history == null ? new ArrayList<>() : history; }

  /** The dial the leader's actuator (GA or the front door's row) last confirmed, or null. */
  @DynamoDbAttribute("dial_applied")
  public Integer getDialApplied() { return dialApplied; }
  public void setDialApplied(Integer dialApplied) { this.dialApplied = dialApplied; }

  /** Attempts of the actuator at the current target (retries with backoff while it fails). */
  @DynamoDbAttribute("dial_attempts")
  public Integer getDialAttempts() { return dialAttempts; }
  public void setDialAttempts(Integer dialAttempts) { this.dialAttempts = dialAttempts; }

  /** The actuator's last error (null once the target is applied). */
  @DynamoDbAttribute("dial_error")
  public String getDialError() { return dialError; }
  public void setDialError(String dialError) { this.dialError = dialError; }

  /** While draining: what holds the next step (a survivor not HEALTHY, the prescaler's wait), else null. */
  @DynamoDbAttribute("drain_waits_for")
  public String getDrainWaitsFor() { return drainWaitsFor; }
  public void setDrainWaitsFor(String drainWaitsFor) { this.drainWaitsFor = drainWaitsFor; }

  /** The row as the state machine sees it. */
  public RegionState regionState() {
    return new RegionState(FailoverState.parse(getFailoverState()), getTrafficDial(), DrainMode.parse(drain),
        Instant.ofEpochMilli(getUpdatedAtMillis()));
  }

  /**
   * Relapses (RECOVERING -> FAILOVER_ACTIVE by the controller; an operator's force is not one) recorded in the
   * history at or after {@code sinceMillis}.
   */
  public int relapsesSince(long sinceMillis) {
    return (int) history.stream()
        .filter(t -> t.getAtMillis() >= sinceMillis && t.getToken() > 0
            && FailoverState.RECOVERING.name().equals(t.getFromState())
            && FailoverState.FAILOVER_ACTIVE.name().equals(t.getToState()))
        .count();
  }

  /**
   * Applies a change (state, dial, drain hold, reason) as {@code actor} with fencing token {@code token} (0 for an
   * operator) at {@code nowMillis}, and appends it to the history, keeping the newest {@code historyLimit} entries.
   */
  public void apply(Change change, String actor, long token, long nowMillis, int historyLimit) {
    String reason = truncate(change.reason());
    TransitionItem entry = new TransitionItem();
    entry.setAtMillis(nowMillis);
    entry.setFromState(FailoverState.parse(getFailoverState()).name());
    entry.setFromDial(getTrafficDial());
    entry.setToState(change.state().name());
    entry.setToDial(change.dial());
    entry.setDrain(change.drain() == null ? null : change.drain().name());
    entry.setReason(reason);
    entry.setActor(actor);
    entry.setToken(token);

    setFailoverState(change.state().name());
    setTrafficDial(change.dial());
    setDrain(change.drain() == null ? null : change.drain().name());
    setReason(reason);
    setActor(actor);
    setUpdatedAtMillis(nowMillis);
    List<TransitionItem> next = new ArrayList<>(history);
    next.add(entry);
    while (next.size() > historyLimit) {
      next.remove(0);
    }
    history = next;
  }

  static String truncate(String text) {
    if (text == null) {
      return null;
    }
    return text.length() <= REASON_LIMIT ? text : text.substring(0, REASON_LIMIT - 3) + "...";
  }
}
