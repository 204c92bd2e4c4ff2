package io.mrgc.state.items;

import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbBean;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbPartitionKey;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbSecondaryPartitionKey;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbSecondarySortKey;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbSortKey;

/**
 * One window of one source's traffic in metrics, e.g. series {@code router#us-east-1#router-1} for the window
 * starting at {@code windowStart}. Written every 10 s by the router that owns the series; expires by TTL.
 */
@DynamoDbBean
public class MetricItem {
  private String series;
  private long windowStartMillis;
  private String region;
  private long windowMillis;
  private long requests;
  private long errors;
  private double rps;
  private double latencyP50Ms;
  private double latencyP99Ms;
  private long expiresAtEpochSeconds;

  @DynamoDbPartitionKey
  @DynamoDbAttribute("series")
  public String getSeries() { return series; }
  public void setSeries(String series) { this.series = series; }

  @DynamoDbSortKey
  @DynamoDbSecondarySortKey(indexNames = "by_region")
  @DynamoDbAttribute("window_start")
  public long getWindowStartMillis() { return windowStartMillis; }
  public void setWindowStartMillis(long windowStartMillis) { this.windowStartMillis = windowStartMillis; }

  @DynamoDbSecondaryPartitionKey(indexNames = "by_region")
  @DynamoDbAttribute("region")
  public String getRegion() { return region; }
  public void setRegion(String region) { this.region = region; }

  @DynamoDbAttribute("window_ms")
  public long getWindowMillis() { return windowMillis; }
  public void setWindowMillis(long windowMillis) { this.windowMillis = windowMillis; }

  @DynamoDbAttribute("requests")
  public long getRequests() { return requests; }
  public void setRequests(long requests) { this.requests = requests; }

  @DynamoDbAttribute("errors")
  public long getErrors() { return errors; }
  public void setErrors(long errors) { this.errors = errors; }

  @DynamoDbAttribute("rps")
  public double getRps() { return rps; }
  public void setRps(double rps) { this.rps = rps; }

  @DynamoDbAttribute("latency_p50_ms")
  public double getLatencyP50Ms() { return latencyP50Ms; }
  public void setLatencyP50Ms(double latencyP50Ms) { this.latencyP50Ms = latencyP50Ms; }

  @DynamoDbAttribute("latency_p99_ms")
  public double getLatencyP99Ms() { return latencyP99Ms; }
  public void setLatencyP99Ms(double latencyP99Ms) { this.latencyP99Ms = latencyP99Ms; }

  @DynamoDbAttribute("expires_at")
  public long getExpiresAtEpochSeconds() { return expiresAtEpochSeconds; }
  public void setExpiresAtEpochSeconds(long expiresAtEpochSeconds) { this.expiresAtEpochSeconds = expiresAtEpochSeconds; }
}
