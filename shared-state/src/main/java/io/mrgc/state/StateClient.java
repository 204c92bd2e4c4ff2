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
  /** The HTTP client this client made for itself ({@link #localOwned}), closed with it. */
  private SdkAsyncHttpClient ownedHttp;

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
    return aws(region, java.util.Optional.empty());
  }

  /**
   * A client of DynamoDB in {@code region} with the SDK's default credentials; {@code endpoint} overrides the
   * regional endpoint (a VPC endpoint, or DynamoDB Local in contract tests).
   */
  public static StateClient aws(String region, java.util.Optional<URI> endpoint) {
    var builder = DynamoDbAsyncClient.builder().region(Region.of(region)).overrideConfiguration(overrides());
    endpoint.ifPresent(builder::endpointOverride);
    return new StateClient(region, builder.build());
  }

  /** A client of DynamoDB Local with an HTTP client of its own, closed with it (one service per process). */
  public static StateClient localOwned(URI endpoint, String region) {
    SdkAsyncHttpClient http = software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient.builder()
        .maxConcurrency(256).build();
    StateClient client = local(endpoint, region, http);
    client.ownedHttp = http;
    return client;
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
    if (ownedHttp != null) {
      ownedHttp.close();
    }
  }
}
