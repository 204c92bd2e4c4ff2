package io.mrgc.state;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbAsyncTable;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbEnhancedAsyncClient;
import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * The DynamoDB clients one component uses in one region. Local mode points at the embedded DynamoDB Local;
 * AWS mode uses the default credential chain and the region's endpoint (global tables replicate between regions).
 */
public final class StateClient implements AutoCloseable {
  /** Calls fail fast so that readers fall back to their last good snapshot instead of stalling. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(2);

  private final String region;
  private final DynamoDbAsyncClient dynamo;
  private final DynamoDbEnhancedAsyncClient enhanced;

  private StateClient(String region, DynamoDbAsyncClient dynamo) {
    this.region = region;
    this.dynamo = dynamo;
    this.enhanced = DynamoDbEnhancedAsyncClient.builder().dynamoDbClient(dynamo).build();
  }

  /**
   * A client of the local cluster's DynamoDB Local. {@code http} may be shared by many clients in one JVM (the
   * caller closes it); DynamoDB Local accepts any credentials.
   */
  public static StateClient local(URI endpoint, String region, SdkAsyncHttpClient http) {
    return new StateClient(region, DynamoDbAsyncClient.builder()
        .endpointOverride(endpoint)
        .region(Region.of(region))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
        .httpClient(http)
        .overrideConfiguration(overrides())
        .build());
  }

  /** A client of the real DynamoDB in {@code region}. */
  public static StateClient aws(String region) {
    return new StateClient(region, DynamoDbAsyncClient.builder()
        .region(Region.of(region))
        .overrideConfiguration(overrides())
        .build());
  }

  private static ClientOverrideConfiguration overrides() {
    return ClientOverrideConfiguration.builder()
        .apiCallTimeout(DEFAULT_CALL_TIMEOUT)
        .retryStrategy(RetryMode.STANDARD)
        .build();
  }

  public String region() {
    return region;
  }

  public DynamoDbAsyncClient dynamo() {
    return dynamo;
  }

  public <T> DynamoDbAsyncTable<T> table(String name, Class<T> beanClass) {
    return enhanced.table(name, TableSchema.fromBean(beanClass));
  }

  @Override
  public void close() {
    dynamo.close();
  }
}
