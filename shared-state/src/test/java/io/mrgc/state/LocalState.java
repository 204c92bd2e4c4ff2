package io.mrgc.state;

import io.mrgc.state.local.EmbeddedDynamoDb;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

/** Test fixture: an in-memory DynamoDB Local with all tables, and clients for any region. Shared via test-jar. */
public final class LocalState implements AutoCloseable {
  private final EmbeddedDynamoDb db;
  private final SdkAsyncHttpClient http = NettyNioAsyncHttpClient.builder().build();

  private LocalState(EmbeddedDynamoDb db) {
    this.db = db;
  }

  public static LocalState start() {
    LocalState state = new LocalState(EmbeddedDynamoDb.start(0, null));
    try (StateClient admin = state.client("us-east-1")) {
      Tables.createAll(admin.dynamo()).join();
    }
    return state;
  }

  public StateClient client(String region) {
    return StateClient.local(db.endpoint(), region, http);
  }

  public EmbeddedDynamoDb db() {
    return db;
  }

  @Override
  public void close() {
    http.close();
    db.close();
  }
}
