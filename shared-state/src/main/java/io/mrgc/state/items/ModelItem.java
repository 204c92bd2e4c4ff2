package io.mrgc.state.items;

import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbBean;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbPartitionKey;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbSortKey;

/**
 * One version of one model in the {@code models} registry (MREC; written by {@code mrgc model} in the home region,
 * read by every agent and router). {@code store_path} is the version's Triton model directory relative to the model
 * root (the FSx mount): {@code config.pbtxt}, {@code manifest.sha256} and the version folder.
 */
@DynamoDbBean
public class ModelItem {
  private String name;
  private long version;
  private String state;
  private String manifestSha256;
  private long sizeBytes;
  private String storePath;
  private String publishedBy;
  private long publishedAt;
  private long updatedAt;
  private String stateReason;

  @DynamoDbPartitionKey
  @DynamoDbAttribute("name")
  public String getName() { return name; }
  public void setName(String name) { this.name = name; }

  @DynamoDbSortKey
  @DynamoDbAttribute("version")
  public long getVersion() { return version; }
  public void setVersion(long version) { this.version = version; }

  /** {@link io.mrgc.state.ModelState} name. */
  @DynamoDbAttribute("state")
  public String getState() { return state; }
  public void setState(String state) { this.state = state; }

  /** Lower-case hex SHA-256 of the version's {@code manifest.sha256} file (which lists every file's own hash). */
  @DynamoDbAttribute("manifest_sha256")
  public String getManifestSha256() { return manifestSha256; }
  public void setManifestSha256(String manifestSha256) { this.manifestSha256 = manifestSha256; }

  /** Bytes of every file of the version (what an agent's memory budget counts). */
  @DynamoDbAttribute("size_bytes")
  public long getSizeBytes() { return sizeBytes; }
  public void setSizeBytes(long sizeBytes) { this.sizeBytes = sizeBytes; }

  @DynamoDbAttribute("store_path")
  public String getStorePath() { return storePath; }
  public void setStorePath(String storePath) { this.storePath = storePath; }

  /** Who ran the publish (the OS user, or the AWS caller identity). */
  @DynamoDbAttribute("published_by")
  public String getPublishedBy() { return publishedBy; }
  public void setPublishedBy(String publishedBy) { this.publishedBy = publishedBy; }

  /** Epoch ms the publish started. */
  @DynamoDbAttribute("published_at")
  public long getPublishedAt() { return publishedAt; }
  public void setPublishedAt(long publishedAt) { this.publishedAt = publishedAt; }

  /** Epoch ms of the last state change. */
  @DynamoDbAttribute("updated_at")
  public long getUpdatedAt() { return updatedAt; }
  public void setUpdatedAt(long updatedAt) { this.updatedAt = updatedAt; }

  /** Why the version is in its state (e.g. the operator's reason to retire); may be null. */
  @DynamoDbAttribute("state_reason")
  public String getStateReason() { return stateReason; }
  public void setStateReason(String stateReason) { this.stateReason = stateReason; }

  /** {@code name:version}, the way commands and logs name a model version. */
  public String id() {
    return name + ":" + version;
  }

  @Override
  public String toString() {
    return "ModelItem{" + id() + " " + state + " " + storePath + "}";
  }
}
