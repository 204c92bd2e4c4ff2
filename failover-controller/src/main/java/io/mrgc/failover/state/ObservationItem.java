package io.mrgc.failover.state;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbBean;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbPartitionKey;

/**
 * One controller's latest verdict on one region, in routing_state under {@code observation#<observed>#<observer
 * region>}: one row per (observed region, observer region), overwritten every evaluation by that region's controller.
 * It deliberately has no {@code region} attribute: readers of region rows ({@code RoutingStateRepository.listRegions})
 * tell region rows by it.
 */
@DynamoDbBean
public class ObservationItem {
  private static final String KEY_PREFIX = "observation#";

  private String pk;
  private String observedRegion;
  private String observerRegion;
  private String observer;
  private String verdict;
  private List<String> reasons = new ArrayList<>();
  private long observedAtMillis;
  private int servingInstances;
  private long requests;
  private Double errorRate;
  private Double p99Millis;
  private String probe;

  public static String keyOf(String observedRegion, String observerRegion) {
    return KEY_PREFIX + observedRegion + "#" + observerRegion;
  }

  @DynamoDbPartitionKey
  @DynamoDbAttribute("pk")
  public String getPk() { return pk; }
  public void setPk(String pk) { this.pk = pk; }

  @DynamoDbAttribute("observed_region")
  public String getObservedRegion() { return observedRegion; }
  public void setObservedRegion(String observedRegion) { this.observedRegion = observedRegion; }

  @DynamoDbAttribute("observer_region")
  public String getObserverRegion() { return observerRegion; }
  public void setObserverRegion(String observerRegion) { this.observerRegion = observerRegion; }

  /** The controller's id (its lease holder name). */
  @DynamoDbAttribute("observer")
  public String getObserver() { return observer; }
  public void setObserver(String observer) { this.observer = observer; }

  /** HEALTHY, IMPAIRED, FAILED. */
  @DynamoDbAttribute("verdict")
  public String getVerdict() { return verdict; }
  public void setVerdict(String verdict) { this.verdict = verdict; }

  @DynamoDbAttribute("reasons")
  public List<String> getReasons() { return reasons; }
  public void setReasons(List<String> reasons) { this.reasons = reasons == null ? new ArrayList<>() : reasons; }

  @DynamoDbAttribute("observed_at")
  public long getObservedAtMillis() { return observedAtMillis; }
  public void setObservedAtMillis(long observedAtMillis) { this.observedAtMillis = observedAtMillis; }

  @DynamoDbAttribute("serving")
  public int getServingInstances() { return servingInstances; }
  public void setServingInstances(int servingInstances) { this.servingInstances = servingInstances; }

  @DynamoDbAttribute("requests")
  public long getRequests() { return requests; }
  public void setRequests(long requests) { this.requests = requests; }

  @DynamoDbAttribute("error_rate")
  public Double getErrorRate() { return errorRate; }
  public void setErrorRate(Double errorRate) { this.errorRate = errorRate; }

  @DynamoDbAttribute("p99_ms")
  public Double getP99Millis() { return p99Millis; }
  public void setP99Millis(Double p99Millis) { this.p99Millis = p99Millis; }

  /** The probe's outcome (SERVING, EVACUATED, NOT_SERVING, UNREACHABLE, SKIPPED). */
  @DynamoDbAttribute("probe")
  public String getProbe() { return probe; }
  public void setProbe(String probe) { this.probe = probe; }
}
