package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.mrgc.agent.NodeAgent;
import io.mrgc.failover.dials.Backoff;
import io.mrgc.failover.dials.GlobalAcceleratorDials;
import io.mrgc.failover.ops.FailoverOperations;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.tenant.MrgcClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.globalaccelerator.GlobalAcceleratorAsyncClient;

/**
 * Issue 6's chaos in the local cluster with Global Accelerator's control plane down: every region's failover
 * controller moves dials through the real GA adapter and SDK client ({@link GlobalAcceleratorDials}), pointed at an
 * in-test endpoint that fails every call. Under steady encrypted load a region dies: the unplanned failover still
 * completes (the data plane carries it: the row write, the routers' health endpoint, the front door's checks), its
 * tenants' traffic moves to the others, and the failing dial shows in {@code mrgc failover status}. When the region
 * comes back it is pre-positioned at the first ramp step but stays evacuated: failback waits for the dial.
 */
class ClusterControlPlaneOutageTest {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final String HOME = "us-east-1"; // the front door's default home region
  private static final String GA_ERROR = "InternalServiceErrorException: control plane unavailable";
  private static final String UPDATE_ENDPOINT_GROUP = "GlobalAccelerator_V20180706.UpdateEndpointGroup";
  private static final Duration PATIENCE = Duration.ofSeconds(90);

  /** One call that reached the GA endpoint (every one was answered 500). */
  private record GaCall(String target, String endpointGroupArn, double dial) {}

  private static final List<GaCall> gaCalls = new CopyOnWriteArrayList<>();
  @TempDir
  static Path stateDir;
  private static HttpServer ga;
  private static GlobalAcceleratorAsyncClient gaClient;
  private static LocalCluster cluster;
  private static MrgcClient sdk;
  private static FailoverOperations failover;

  @BeforeAll
  static void start() throws IOException {
    ga = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ga.createContext("/", exchange -> {
      JsonObject body = new JsonObject(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      gaCalls.add(new GaCall(exchange.getRequestHeaders().getFirst("X-Amz-Target"),
          body.getString("EndpointGroupArn"), body.getDouble("TrafficDialPercentage", -1.0)));
      byte[] error = ("{\"__type\":\"InternalServiceErrorException\",\"Message\":\"control plane unavailable\"}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
      exchange.sendResponseHeaders(500, error.length);
      exchange.getResponseBody().write(error);
      exchange.close();
    });
    ga.start();
    gaClient = GlobalAcceleratorDials.newClient(
        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")),
        URI.create("http://127.0.0.1:" + ga.getAddress().getPort()));

    // 1 s evaluations and holds of a few of them, so the test takes seconds; the default local health thresholds.
    FailoverOptions withGa = FastHolds.options()
        .withDials((region, state, clock) ->
            new GlobalAcceleratorDials(gaClient, endpointGroups(), Backoff.defaults()));
    cluster = LocalCluster.start(LocalClusterOptions.ephemeral(stateDir).withFailover(withGa));
    cluster.awaitServing(PATIENCE);
    TenantAdmin.Credentials tenant = cluster.createTenant("ga-outage",
        new TenantAdmin.TenantSettings(List.of(), List.of(), 10_000.0, 10_000));
    sdk = MrgcClient.builder().endpoint(cluster.anycastUrls().values().iterator().next())
        .tenant(tenant.tenantId()).apiKey(tenant.apiKey()).kmsKeyId(tenant.kmsKeyId())
        .dataKeySource(cluster.tenantKeySource()).build();
    failover = FailoverOperations.defaults(cluster.stateClient(HOME), cluster.regions(), Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    if (sdk != null) {
      sdk.close();
    }
    if (cluster != null) {
      cluster.close(); // closes the controllers' GA dials (their retry threads); the client is ours
    }
    gaClient.close();
    ga.stop(0);
  }

  @Test
  void anUnplannedFailoverCompletesWhileEveryGlobalAcceleratorCallFails() throws Exception {
    waitFor("every region NORMAL with its dial at 100 % asked of GA and failing", () -> cluster.regions().stream()
        .allMatch(r -> "NORMAL".equals(row(r).getFailoverState()) && GA_ERROR.equals(row(r).getDialError())));
    try (SteadyLoad load = new SteadyLoad(sdk, MODEL, 3)) {
      Thread.sleep(2_000);
      long stoppedAtMillis = System.currentTimeMillis();
      long stoppedAt = System.nanoTime();
      cluster.stopRegion(HOME);
      double toFailover = waitFor(HOME + " to be FAILOVER_ACTIVE with dial 0 while GA fails",
          () -> "FAILOVER_ACTIVE".equals(row(HOME).getFailoverState()) && row(HOME).getTrafficDial() == 0);
      long okAtFailover = load.ok.get();
      waitFor("requests to succeed again in the other regions", () -> load.ok.get() > okAtFailover + 20);
      long lastError = load.lastErrorNanos.get();
      System.out.printf("GA down, unplanned failure of %s: FAILOVER_ACTIVE %.1f s after the stop; %s; %d errors "
          + "of %d requests so far; served since the stop: %s%n", HOME, toFailover, lastError == 0 ? "no client error"
          : String.format("last client error %.1f s after it", Math.max(0, lastError - stoppedAt) / 1e9),
          load.errors.get(), load.total(), servedSince(stoppedAtMillis));
      assertThat(load.errors.get()).as("client errors during the shift (of %d; first: %s)", load.total(),
          load.firstError).isLessThanOrEqualTo(Math.max(10, load.total() / 10));
      assertThat(servedSince(stoppedAtMillis)).as("requests served by region since the stop")
          .doesNotContainKey(HOME).isNotEmpty();

      waitFor("the dial error recorded in " + HOME + "'s row",
          () -> row(HOME).getTrafficDial() == 0 && GA_ERROR.equals(row(HOME).getDialError()));
      assertThat(row(HOME).getDialApplied()).as("the dial GA confirms").isNull();
      assertThat(dialCalls(HOME, 0)).as("UpdateEndpointGroup calls for %s at 0 %%", HOME).isPositive();
      assertThat(gaCalls).as("every call to GA, all answered 500").allSatisfy(
          c -> assertThat(c.target()).isEqualTo(UPDATE_ENDPOINT_GROUP));
      assertStatusShowsTheFailingDial(0);
      System.out.printf("GA calls while down: %d in all, %d for %s at 0 %%, every one failed%n", gaCalls.size(),
          dialCalls(HOME, 0), HOME);

      // It comes back while GA is still down: pre-positioned at the first ramp step, but held out (still
      // FAILOVER_ACTIVE, so its router fails its health check), since GA cannot confirm the dial.
      cluster.startRegion(HOME);
      waitFor(HOME + " healthy again and its dial set to 10 % before failback",
          () -> "FAILOVER_ACTIVE".equals(row(HOME).getFailoverState()) && row(HOME).getTrafficDial() == 10
              && dialCalls(HOME, 10) > 0);
      long heldFrom = System.currentTimeMillis();
      Thread.sleep(6_000); // twice the recover and ramp holds: without the dial gate it would be RECOVERING by now
      FailoverRowItem held = row(HOME);
      assertThat(held.getFailoverState()).as("state while GA cannot confirm 10 %%").isEqualTo("FAILOVER_ACTIVE");
      assertThat(held.getTrafficDial()).isEqualTo(10);
      assertThat(failover.history(HOME).join()).extracting(t -> t.getToState() + "@" + t.getToDial())
          .containsSubsequence("DEGRADED@100", "FAILOVER_ACTIVE@0", "FAILOVER_ACTIVE@10")
          .noneMatch(t -> t.startsWith("RECOVERING"));
      assertThat(servedSince(heldFrom)).as("requests served by region while %s is held out", HOME)
          .doesNotContainKey(HOME);
      assertStatusShowsTheFailingDial(10);
      System.out.printf("after the restart, GA still down: %s held at FAILOVER_ACTIVE/10 (%d calls at 10 %%); "
          + "%d errors of %d requests in all%n", HOME, dialCalls(HOME, 10), load.errors.get(), load.total());
    }
  }

  /** {@code mrgc failover status}: HOME evacuated at {@code dial}, nothing applied, and why. */
  private static void assertStatusShowsTheFailingDial(int dial) throws InterruptedException {
    Pattern failing = Pattern.compile("(?m)^" + HOME + " +FAILOVER_ACTIVE +" + dial + "% +- .*\\R"
        + " +dial update failing \\(\\d+ attempts\\): " + Pattern.quote(GA_ERROR) + "$");
    waitFor("`mrgc failover status` to show " + HOME + "'s failing dial",
        () -> failing.matcher(MrgcRun.against(cluster.dynamoDb().endpoint(), "failover", "status").out()).find());
  }

  private static long dialCalls(String region, int dial) {
    return gaCalls.stream()
        .filter(c -> endpointGroups().get(region).equals(c.endpointGroupArn()) && c.dial() == dial).count();
  }

  /** Region -> inference requests its instances took in (not refused) since {@code sinceMillis}; none: absent. */
  private static Map<String, Long> servedSince(long sinceMillis) {
    return cluster.agents().values().stream()
        .collect(Collectors.groupingBy(a -> a.options().region(),
            Collectors.summingLong(a -> taken(a, sinceMillis))))
        .entrySet().stream().filter(e -> e.getValue() > 0)
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  private static long taken(NodeAgent agent, long sinceMillis) {
    return agent.arrivals().stream().filter(a -> !a.refused() && a.atMillis() >= sinceMillis).count();
  }

  private static Map<String, String> endpointGroups() {
    String arn = "arn:aws:globalaccelerator::123456789012:accelerator/local/listener/l1/endpoint-group/";
    return Map.of("us-east-1", arn + "use1", "us-east-2", arn + "use2", "us-west-2", arn + "usw2");
  }

  private static FailoverRowItem row(String region) {
    return failover.status(region).join().row();
  }

  /** Polls {@code condition} for up to {@link #PATIENCE}; returns the seconds it took. */
  private static double waitFor(String what, BooleanSupplier condition) throws InterruptedException {
    long start = System.nanoTime();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - start).as("waiting for " + what).isLessThan(PATIENCE.toNanos());
      TimeUnit.MILLISECONDS.sleep(200);
    }
    return (System.nanoTime() - start) / 1e9;
  }
}
