package io.mrgc.state;

import io.mrgc.common.config.ConfigSource;
import io.mrgc.common.service.Service;
import io.mrgc.common.service.ServiceDefinition;
import io.mrgc.common.service.ServiceRunner;
import io.mrgc.state.items.LeaseItem;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.enhanced.dynamodb.Key;

/**
 * Test fixture (test-jar): DynamoDB Local with every table, a client of it and a Vert.x, for starting services from
 * their YAML file as {@code mrgc serve} does; and what tests read of them.
 */
public final class ServiceFixture implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  public final LocalState state;
  public final StateClient client;
  public final Vertx vertx;

  private ServiceFixture(String region) {
    state = LocalState.start();
    client = state.client(region);
    vertx = Vertx.vertx();
  }

  /** DynamoDB Local, a client in {@code region} and a Vert.x; {@link #close} stops them. */
  public static ServiceFixture start(String region) {
    return new ServiceFixture(region);
  }

  /** DynamoDB Local's URL, for the files' {@code state.endpoint}. */
  public URI stateEndpoint() {
    return state.db().endpoint();
  }

  @Override
  public void close() {
    vertx.close().await();
    client.close();
    state.close();
  }

  /** Writes {@code yaml} to {@code file}, loads it (every check {@code mrgc serve} makes), creates and starts it. */
  public static <C> Service start(ServiceDefinition<C> definition, Path file, String yaml, Vertx vertx)
      throws Exception {
    Files.writeString(file, yaml);
    C config = ServiceRunner.load(definition, ConfigSource.load(file, Map.of())).config();
    Service service = definition.create(config, vertx);
    service.start().await(30, TimeUnit.SECONDS);
    return service;
  }

  /** Stops {@code service} with a 5 s grace and returns its stop account. */
  public static String stop(Service service) throws Exception {
    return service.stop(Duration.ofSeconds(5)).await(30, TimeUnit.SECONDS);
  }

  /** The holder of lease {@code name} now, or null; "(released)" for a lease given up (expired at 0). */
  public static String leaseHolder(StateClient client, String name) {
    LeaseItem item = client.table(Tables.ROUTING_STATE, LeaseItem.class)
        .getItem(Key.builder().partitionValue(LeaseItem.keyOf(name)).build()).join();
    if (item == null) {
      return null;
    }
    return item.getExpiresAtMillis() == 0 ? "(released)" : item.getHolder();
  }

  /** Polls {@code condition} every 50 ms for at most {@code limit}; true when it held. */
  public static boolean await(BooleanSupplier condition, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(50);
    }
    return condition.getAsBoolean();
  }

  /** GET {@code http://127.0.0.1:port + path}: status and body as {@code "200 body"}. */
  public static String get(int port, String path) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }
}
