package io.mrgc.state.items;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.enhanced.dynamodb.extensions.annotations.DynamoDbVersionAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbBean;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbPartitionKey;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbSecondaryPartitionKey;

/**
 * One tenant's row in {@code tenants}. Home-region row: written only by the admin commands in one region, read by
 * every router (through the {@code by_api_key_hash} index). The row holds the SHA-256 of the tenant's API key, never
 * the key itself (see {@code io.mrgc.state.ApiKeys}).
 *
 * <p>{@link #toString()} names the tenant only: rows must never be logged whole.
 */
@DynamoDbBean
public class TenantItem {
  private String tenantId;
  private String apiKeyHash;
  private List<String> allowedModels = new ArrayList<>();
  private List<String> vpcEndpointIds = new ArrayList<>();
  private Double rateLimitRps;
  private Integer rateLimitBurst;
  private String kmsKeyId;
  private long createdAtMillis;
  private boolean disabled;
  private boolean debugHeaders;
  private Long version;

  @DynamoDbPartitionKey
  @DynamoDbAttribute("tenant_id")
  public String getTenantId() { return tenantId; }
  public void setTenantId(String tenantId) { this.tenantId = tenantId; }

  /** Lower-case hex SHA-256 of the API key ({@code ApiKeys.hash}); the key of GSI {@code by_api_key_hash}. */
  @DynamoDbSecondaryPartitionKey(indexNames = "by_api_key_hash")
  @DynamoDbAttribute("api_key_hash")
  public String getApiKeyHash() { return apiKeyHash; }
  public void setApiKeyHash(String apiKeyHash) { this.apiKeyHash = apiKeyHash; }

  /** Models the tenant may call; empty = every model. */
  @DynamoDbAttribute("allowed_models")
  public List<String> getAllowedModels() { return allowedModels; }
  public void setAllowedModels(List<String> allowedModels) {
    this.allowedModels = allowedModels == null ? new ArrayList<>() : allowedModels;
  }

  /** PrivateLink VPC endpoints (e.g. {@code vpce-0123456789abcdef0}) the tenant must come through; empty = any path. */
  @DynamoDbAttribute("vpc_endpoint_ids")
  public List<String> getVpcEndpointIds() { return vpcEndpointIds; }
  public void setVpcEndpointIds(List<String> vpcEndpointIds) {
    this.vpcEndpointIds = vpcEndpointIds == null ? new ArrayList<>() : vpcEndpointIds;
  }

  /** Sustained requests per second per router; null = the router's default. */
  @DynamoDbAttribute("rate_limit_rps")
  public Double getRateLimitRps() { return rateLimitRps; }
  public void setRateLimitRps(Double rateLimitRps) { this.rateLimitRps = rateLimitRps; }

  /** Token bucket size (requests allowed at once after a quiet period); null = the router's default. */
  @DynamoDbAttribute("rate_limit_burst")
  public Integer getRateLimitBurst() { return rateLimitBurst; }
  public void setRateLimitBurst(Integer rateLimitBurst) { this.rateLimitBurst = rateLimitBurst; }

  /** The tenant's KMS key (ARN or id) its SDK encrypts data keys under. */
  @DynamoDbAttribute("kms_key_id")
  public String getKmsKeyId() { return kmsKeyId; }
  public void setKmsKeyId(String kmsKeyId) { this.kmsKeyId = kmsKeyId; }

  @DynamoDbAttribute("created_at")
  public long getCreatedAtMillis() { return createdAtMillis; }
  public void setCreatedAtMillis(long createdAtMillis) { this.createdAtMillis = createdAtMillis; }

  /** A disabled tenant's key is refused like an unknown one. */
  @DynamoDbAttribute("disabled")
  public boolean isDisabled() { return disabled; }
  public void setDisabled(boolean disabled) { this.disabled = disabled; }

  /**
   * Debug response headers for this tenant: the router then tells it which instance served
   * ({@code x-mrgc-instance}). Off by default: instance ids are internal topology, not for tenants.
   */
  @DynamoDbAttribute("debug_headers")
  public boolean isDebugHeaders() { return debugHeaders; }
  public void setDebugHeaders(boolean debugHeaders) { this.debugHeaders = debugHeaders; }

  @DynamoDbVersionAttribute
  @DynamoDbAttribute("version")
  public Long getVersion() { return version; }
  public void setVersion(Long version) { this.version = version; }

  @Override
  public String toString() {
    return "TenantItem[" + tenantId + "]";
  }
}
