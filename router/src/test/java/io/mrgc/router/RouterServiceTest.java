package io.mrgc.router;

import static io.mrgc.router.FakeAgent.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.common.config.ConfigSource;
import io.mrgc.common.service.Service;
import io.mrgc.common.service.ServiceRunner;
import io.mrgc.router.service.RouterService;
import io.mrgc.router.service.RouterServiceConfig;
import io.mrgc.router.service.RouterServiceDefinition;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router as a service: started from its YAML file alone, and stopped the way ECS and a load balancer expect
 * (drain, close the listeners, let requests in flight finish, cut off what outlives the grace).
 */
@ExtendWith(VertxExtension.class)
class RouterServiceTest {
  private static final String REGION = "us-east-1";
  private static LocalState state;
  private static StateClient client;
  private static GpuInstanceRepository instances;
  private static String key;
  private Vertx vertx;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client(REGION);
    instances = new GpuInstanceRepository(client);
    key = Tenants.create(client, "tenant-service-test");
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  /**
   * Mode aws wires the AWS SDK's DynamoDB client with its default credential and region chains; the endpoint
   * override points the same code at DynamoDB Local (credentials from the SDK's system properties here, the task
   * role in ECS). A snapshot read through it is what makes /readyz 200.
   */
  @Test
  void modeAwsReadsThroughTheSdkDefaultChainsAtAnEndpointOverride(Vertx vertx, @TempDir Path dir) throws Exception {
    this.vertx = vertx;
    Path file = dir.resolve("router.yaml");
    Files.writeString(file, """
        mode: aws
        region: %s
        state:
          endpoint: %s
        routerId: r-aws
        tls:
          enabled: false
        snapshot:
          interval: 200ms
        """.formatted(REGION, state.db().endpoint()));
    Map<String, String> env = Map.of("MRGC_AGENT_AUTH_KEYS", io.mrgc.common.peer.PeerKey.generateSpec());
    // DynamoDB Local takes access key ids of letters and digits only.
    String keyId = System.setProperty("aws.accessKeyId", "contracttest");
    String secret = System.setProperty("aws.secretAccessKey", "contracttestsecret");
    try {
      RouterServiceDefinition definition = new RouterServiceDefinition();
      ServiceRunner.Loaded<RouterServiceConfig> loaded = ServiceRunner.load(definition, ConfigSource.load(file, env));
      assertThat(loaded.config().deployment().mode()).isEqualTo(io.mrgc.common.config.Mode.AWS);
      Service service = definition.create(loaded.config(), vertx);
      await(service.start());
      RouterVerticle router = ((RouterService) service).verticle();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (get(router.adminPort(), "/readyz").statusCode() != 200 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(get(router.adminPort(), "/readyz").statusCode()).as("a snapshot read in mode aws").isEqualTo(200);
      await(service.stop(Duration.ofSeconds(2)));
    } finally {
      restore("aws.accessKeyId", keyId);
      restore("aws.secretAccessKey", secret);
    }
  }

  private static void restore(String property, String value) {
    if (value == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, value);
    }
  }

  @Test
  void startsFromItsYamlFileAloneAndAnswersHealthAndReadiness(Vertx vertx, @TempDir Path dir) throws Exception {
    this.vertx = vertx;
    Path file = dir.resolve("router.yaml");
    Files.writeString(file, """
        mode: local
        region: %s
        state:
          endpoint: %s
        routerId: r-yaml
        tls:
          enabled: false
        snapshot:
          interval: 200ms
        lifecycle:
          drainDelay: 100ms
        """.formatted(REGION, state.db().endpoint()));
    RouterServiceDefinition definition = new RouterServiceDefinition();
    ServiceRunner.Loaded<RouterServiceConfig> loaded = ServiceRunner.load(definition,
        ConfigSource.load(file, Map.of()));
    Service service = definition.create(loaded.config(), vertx);
    await(service.start());
    RouterVerticle router = ((RouterService) service).verticle();

    assertThat(get(router.actualPort(), "/healthz").statusCode()).isEqualTo(200);
    assertThat(get(router.adminPort(), "/livez").statusCode()).isEqualTo(200);
    HttpResponse<Buffer> ready = get(router.adminPort(), "/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getString("status")).isEqualTo("ready");
    assertThat(router.options().metricsSeries()).isEqualTo("router#us-east-1#r-yaml");

    int port = router.actualPort();
    String account = await(service.stop(Duration.ofSeconds(5)));
    assertThat(account).matches("drained 0 in-flight request\\(s\\) in \\d+ ms, 0 cut off");
    assertThat(refused(port)).as("the tenant listener is closed").isTrue();
  }

  @Test
  void stopDrainsARequestInFlightWhileNewConnectionsAreRefused(Vertx vertx) throws Exception {
    this.vertx = vertx;
    FakeAgent agent = FakeAgent.start(vertx, "i-drain");
    Promise<Void> release = Promise.promise();
    agent.gate = release.future();
    agent.register(instances, "test-drain", 0);
    RouterService service = RouterService.withState(options("test-drain"), Duration.ofSeconds(2), client, vertx);
    await(service.start());
    RouterVerticle router = service.verticle();
    int port = router.actualPort();
    HttpClientAgent keptAlive = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(1));
    HttpClientAgent slow = vertx.createHttpClient();
    try {
      assertThat(header(await(modelRequired(keptAlive, port)), "connection")).isNull();
      Future<Buffer[]> inFlight = slow.request(inference(port)).compose(request -> request
          .putHeader("authorization", Tenants.bearer(key)).send("payload")
          .compose(response -> response.body().map(body -> new Buffer[] {
              Buffer.buffer(response.statusCode() + " " + body)})));
      waitUntil(() -> agent.requests.get() == 1, "the request reached the agent");

      Future<String> stopped = service.stop(Duration.ofSeconds(20));
      waitUntil(() -> get(router.adminPort(), "/readyz").statusCode() == 503, "/readyz answers 503");
      assertThat(get(port, "/healthz").statusCode()).as("tenant /healthz while draining").isEqualTo(503);
      assertThat(get(port, "/healthz/region").statusCode()).isEqualTo(503);
      HttpClientResponse duringDrain = await(modelRequired(keptAlive, port));
      assertThat(duringDrain.statusCode()).isEqualTo(400);
      assertThat(header(duringDrain, "connection")).as("a kept-alive connection is asked to close")
          .isEqualTo("close");

      waitUntil(() -> refused(port), "new connections are refused");
      assertThat(inFlight.isComplete()).isFalse();
      release.complete();
      assertThat(await(inFlight)[0].toString()).isEqualTo("200 bytes=7");
      assertThat(await(stopped)).matches("drained 2 in-flight request\\(s\\) in \\d+ ms, 0 cut off");
    } finally {
      await(keptAlive.close());
      await(slow.close());
    }
  }

  @Test
  void isNotReadyWithoutASnapshotOfItsRegion(Vertx vertx) throws Exception {
    this.vertx = vertx;
    int nobody;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nobody = socket.getLocalPort(); // DynamoDB unreachable: the first snapshot fails
    }
    try (StateClient unreachable = StateClient.localOwned(URI.create("http://127.0.0.1:" + nobody), REGION)) {
      RouterService service = RouterService.withState(options("test-no-snapshot"), Duration.ofMillis(100),
          unreachable, vertx);
      await(service.start());
      HttpResponse<Buffer> ready = get(service.verticle().adminPort(), "/readyz");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.bodyAsJsonObject().getString("status")).isEqualTo("no_snapshot");
      assertThat(get(service.verticle().adminPort(), "/livez").statusCode()).isEqualTo(200);
      await(service.stop(Duration.ofSeconds(1)));
    }
  }

  @Test
  void stopCutsOffWhatOutlivesTheGrace(Vertx vertx) throws Exception {
    this.vertx = vertx;
    FakeAgent agent = FakeAgent.start(vertx, "i-stuck");
    agent.gate = Promise.<Void>promise().future(); // never answers
    agent.register(instances, "test-cut-off", 0);
    RouterService service = RouterService.withState(options("test-cut-off"), Duration.ofMillis(100), client,
        vertx);
    await(service.start());
    int port = service.verticle().actualPort();
    HttpClientAgent http = vertx.createHttpClient();
    try {
      Future<HttpClientResponse> stuck = http.request(inference(port)).compose(request -> request
          .putHeader("authorization", Tenants.bearer(key)).send("payload"));
      waitUntil(() -> agent.requests.get() == 1, "the request reached the agent");

      String account = await(service.stop(Duration.ofSeconds(1)));

      assertThat(account).matches("drained 0 in-flight request\\(s\\) in \\d+ ms, 1 cut off");
      long tookMillis = Long.parseLong(account.replaceAll(".* in (\\d+) ms.*", "$1"));
      assertThat(tookMillis).as("it waited for the grace").isGreaterThanOrEqualTo(1_000);
      waitUntil(stuck::isComplete, "the client saw its connection close");
      assertThat(stuck.failed()).isTrue();
    } finally {
      await(http.close());
    }
  }

  /** A region of its own per test: an agent of another test (stopped with its Vert.x) is never picked. */
  private static RouterOptions options(String region) {
    return RouterOptions.defaults(region, "r-drain").withAllowPlaintext(true)
        .withHeartbeatStaleAfter(Duration.ofMinutes(5)).withSnapshotInterval(Duration.ofMillis(200));
  }

  private static RequestOptions inference(int port) {
    return new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/v2/models/m1/infer");
  }

  /** A tenant request the router answers itself (400 model_required), keeping the connection. */
  private static Future<HttpClientResponse> modelRequired(HttpClient http, int port) {
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
            .setURI("/v1/embeddings"))
        .compose(request -> request.putHeader("authorization", Tenants.bearer(key)).send())
        .compose(response -> response.body().map(body -> response));
  }

  private static String header(HttpClientResponse response, String name) {
    return response.getHeader(name);
  }

  /** A GET on a connection of its own. */
  private HttpResponse<Buffer> get(int port, String path) {
    WebClient web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(false));
    try {
      return await(web.get(port, "127.0.0.1", path).send());
    } finally {
      web.close();
    }
  }

  private boolean refused(int port) {
    NetClient net = vertx.createNetClient();
    try {
      return await(net.connect(port, "127.0.0.1").map(socket -> {
        socket.close();
        return false;
      }).otherwise(true));
    } finally {
      net.close();
    }
  }

  private static void waitUntil(Supplier<Boolean> condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(20);
    }
  }
}
