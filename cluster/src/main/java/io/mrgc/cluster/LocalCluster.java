package io.mrgc.cluster;

import io.mrgc.agent.ModelInstaller;
import io.mrgc.agent.NodeAgent;
import io.mrgc.agent.NodeAgentOptions;
import io.mrgc.cluster.frontdoor.FrontDoor;
import io.mrgc.cluster.frontdoor.FrontDoorOptions;
import io.mrgc.router.RouterOptions;
import io.mrgc.router.RouterVerticle;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.StateClient;
import io.mrgc.state.Tables;
import io.mrgc.state.local.EmbeddedDynamoDb;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

/**
 * A whole 3-region cluster in this JVM, built the way {@code mrgc up} runs it: DynamoDB Local with the tables, the
 * model installed into the model root (as an operator uploads it to FSx), per region a router and its node agents
 * (each with its own DynamoDB client in its region), and the front door in front of the routers.
 */
public final class LocalCluster implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final LocalClusterOptions options;
  private final EmbeddedDynamoDb dynamoDb;
  private final SdkAsyncHttpClient dynamoHttp;
  private final Vertx vertx;
  private final Map<String, StateClient> clients = new LinkedHashMap<>();
  private final Map<String, RouterVerticle> routers = new LinkedHashMap<>();
  private final Map<String, NodeAgent> agents = new ConcurrentHashMap<>();
  private final Map<String, String> agentDeployments = new ConcurrentHashMap<>();
  private final Map<String, Integer> agentCounters = new ConcurrentHashMap<>();
  private FrontDoor frontDoor;

  private LocalCluster(LocalClusterOptions options) {
    this.options = options;
    this.dynamoDb = EmbeddedDynamoDb.start(options.dynamoDbPort(), options.dataDir());
    this.dynamoHttp = NettyNioAsyncHttpClient.builder().maxConcurrency(256).build();
    this.vertx = Vertx.vertx();
  }

  public static LocalCluster start(LocalClusterOptions options) {
    LocalCluster cluster = new LocalCluster(options);
    try {
      cluster.startAll();
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private void startAll() {
    for (String region : options.regions()) {
      clients.put(region, StateClient.local(dynamoDb.endpoint(), region, dynamoHttp));
    }
    StateClient admin = clients.get(options.regions().get(0));
    Tables.createAll(admin.dynamo()).join();
    RoutingStateRepository routingState = new RoutingStateRepository(admin);
    for (String region : options.regions()) {
      routingState.createIfAbsent(region, System.currentTimeMillis()).join();
    }
    ModelInstaller.installMiniLm(options.modelRoot());

    List<Future<?>> starting = new ArrayList<>();
    for (String region : options.regions()) {
      for (int i = 0; i < options.agentsPerRegion(); i++) {
        starting.add(addAgent(region));
      }
    }
    await(Future.all(starting));

    Map<String, URI> routerUrls = new LinkedHashMap<>();
    for (int i = 0; i < options.regions().size(); i++) {
      String region = options.regions().get(i);
      RouterVerticle router = new RouterVerticle(
          RouterOptions.defaults(region, "router-1").withPort(options.routerPort(i)), clients.get(region));
      await(vertx.deployVerticle(router));
      routers.put(region, router);
      routerUrls.put(region, URI.create("http://127.0.0.1:" + router.actualPort()));
    }

    frontDoor = new FrontDoor(new FrontDoorOptions(options.anycastAddresses(), options.frontDoorPort(), routerUrls,
        options.regions().get(0), Map.of(), options.healthCheck(), FrontDoorOptions.DEFAULT_DIAL_REFRESH),
        routingState);
    await(vertx.deployVerticle(frontDoor));
  }

  /** Starts one more node agent in {@code region}; the future completes when it serves and has heart-beaten. */
  public Future<NodeAgent> addAgent(String region) {
    int n = agentCounters.merge(region, 1, Integer::sum);
    String instanceId = "i-local-" + region + "-" + n;
    NodeAgent agent = new NodeAgent(
        NodeAgentOptions.builder(region, instanceId, options.modelRoot())
            .intraOpThreads(options.agentIntraOpThreads())
            .maxBatchSize(options.agentMaxBatchSize())
            .build(),
        clients.get(region));
    return vertx.deployVerticle(agent).map(deploymentId -> {
      agents.put(instanceId, agent);
      agentDeployments.put(instanceId, deploymentId);
      return agent;
    });
  }

  /** Kills an agent as a crashed process would die: it stops answering and never writes its row again. */
  public void crashAgent(String instanceId) {
    NodeAgent agent = agents.remove(instanceId);
    if (agent == null) {
      throw new IllegalArgumentException("no running agent " + instanceId + "; running: " + agents.keySet());
    }
    await(agent.crash());
    agentDeployments.remove(instanceId);
  }

  /** Waits until every region's router reports it can serve (its /healthz/region answers 200). */
  public void awaitServing(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpClient probe = vertx.createHttpClient();
    try {
      for (Map.Entry<String, URI> router : routerUrls().entrySet()) {
        while (!serving(probe, router.getValue())) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("region " + router.getKey() + " cannot serve after " + timeout);
          }
          sleep(100);
        }
      }
    } finally {
      probe.close();
    }
  }

  private static boolean serving(HttpClient probe, URI router) {
    try {
      return probe.request(HttpMethod.GET, router.getPort(), router.getHost(), "/healthz/region")
          .compose(request -> request.send())
          .compose(response -> response.body().map(body -> response.statusCode() == 200))
          .await(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return false;
    }
  }

  public Map<String, URI> routerUrls() {
    Map<String, URI> urls = new LinkedHashMap<>();
    routers.forEach((region, router) -> urls.put(region, URI.create("http://127.0.0.1:" + router.actualPort())));
    return urls;
  }

  /** Anycast address -> base URL of the front door on it. */
  public Map<String, URI> anycastUrls() {
    Map<String, URI> urls = new LinkedHashMap<>();
    frontDoor.actualPorts().forEach((address, port) -> urls.put(address, URI.create("http://" + address + ":" + port)));
    return urls;
  }

  public Map<String, NodeAgent> agents() {
    return Map.copyOf(agents);
  }

  public FrontDoor frontDoor() {
    return frontDoor;
  }

  public EmbeddedDynamoDb dynamoDb() {
    return dynamoDb;
  }

  public StateClient stateClient(String region) {
    return clients.get(region);
  }

  public Vertx vertx() {
    return vertx;
  }

  public List<String> regions() {
    return options.regions();
  }

  @Override
  public void close() {
    try {
      vertx.close().await(30, TimeUnit.SECONDS); // undeploys front door, routers and agents (agents write TERMINATED)
    } catch (Exception e) {
      // keep shutting down: the rest must still be released
    }
    clients.values().forEach(StateClient::close);
    dynamoHttp.close();
    dynamoDb.close();
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.await(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("local cluster did not start: " + e.getMessage(), e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
