package io.mrgc.state.items;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbBean;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbIgnore;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbPartitionKey;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbSortKey;

/**
 * One car wash in cleanup_validation, written by the instance's agent after every request (its scrub), between tenants and for instance-level washes (home region: the
 * instance's). Sort key {@code completed_at_request} = {@code <epoch ms, 13 digits>#<request id>}, so a partition
 * reads in time order. Expires by TTL ({@code expires_at}, epoch seconds).
 */
@DynamoDbBean
public class CleanupValidationItem {
  private String instanceId;
  private String completedAtRequest;
  private String region;
  private String requestId;
  private String outcome;
  private long totalMicros;
  private List<CleanupValidationStepItem> steps = new ArrayList<>();
  private long expiresAtEpochSeconds;

  /** The sort key for a wash completed at {@code completedAtMillis} after {@code requestId}. */
  public static String sortKey(long completedAtMillis, String requestId) {
    if (completedAtMillis < 0) {
      throw new IllegalArgumentException("completed_at must not be negative");
    }
    return String.format("%013d#%s", completedAtMillis, requestId);
  }

  @DynamoDbPartitionKey
  @DynamoDbAttribute("instance_id")
  public String getInstanceId() { return instanceId; }
  public void setInstanceId(String instanceId) { this.instanceId = instanceId; }

  @DynamoDbSortKey
  @DynamoDbAttribute("completed_at_request")
  public String getCompletedAtRequest() { return completedAtRequest; }
  public void setCompletedAtRequest(String completedAtRequest) { this.completedAtRequest = completedAtRequest; }

  /** Epoch ms of the sort key, or -1 when it is malformed. */
  @DynamoDbIgnore
  public long completedAtMillis() {
    if (completedAtRequest == null) {
      return -1;
    }
    int hash = completedAtRequest.indexOf('#');
    try {
      return Long.parseLong(hash < 0 ? completedAtRequest : completedAtRequest.substring(0, hash));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @DynamoDbAttribute("region")
  public String getRegion() { return region; }
  public void setRegion(String region) { this.region = region; }

  @DynamoDbAttribute("request_id")
  public String getRequestId() { return requestId; }
  public void setRequestId(String requestId) { this.requestId = requestId; }

  /** PASSED, FAILED or TIMED_OUT. */
  @DynamoDbAttribute("outcome")
  public String getOutcome() { return outcome; }
  public void setOutcome(String outcome) { this.outcome = outcome; }

  @DynamoDbAttribute("total_micros")
  public long getTotalMicros() { return totalMicros; }
  public void setTotalMicros(long totalMicros) { this.totalMicros = totalMicros; }

  @DynamoDbAttribute("steps")
  public List<CleanupValidationStepItem> getSteps() { return steps; }
  public void setSteps(List<CleanupValidationStepItem> steps) { this.steps = steps == null ? new ArrayList<>() : steps; }

  @DynamoDbAttribute("expires_at")
  public long getExpiresAtEpochSeconds() { return expiresAtEpochSeconds; }
  public void setExpiresAtEpochSeconds(long expiresAtEpochSeconds) { this.expiresAtEpochSeconds = expiresAtEpochSeconds; }
}
