package io.mrgc.failover.loop;

import static io.mrgc.failover.loop.ClusterWorld.gauge;
import static io.mrgc.failover.loop.ClusterWorld.is;
import static io.mrgc.failover.machine.FailoverState.FAILOVER_ACTIVE;
import static io.mrgc.failover.machine.FailoverState.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mrgc.failover.ManualScheduler;
import io.mrgc.failover.dials.Backoff;
import io.mrgc.failover.dials.DialStatus;
import io.mrgc.failover.dials.GlobalAcceleratorDials;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.globalaccelerator.GlobalAcceleratorAsyncClient;

/**
 * The controllers actuate Global Accelerator through the real adapter and SDK client, against an endpoint that fails
 * every UpdateEndpointGroup (the us-west-2 control plane is down): the unplanned failover completes anyway (the data
 * plane path: the fenced row write that makes routers fail their health check), and failback waits for GA. The
 * leader's meters show the failing dial while it fails, and nothing failing once GA is back.
 */
class ControlPlaneOutageTest {
  private static LocalState state;
  private static StateClient client;
  private static HttpServer ga;
  private static GlobalAcceleratorAsyncClient gaClient;
  private static volatile boolean gaDown = true;
  private static final List<JsonObject> calls = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    state = LocalState.start();
    client = state.client("us-east-1");
    ga = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ga.createContext("/", exchange -> {
      JsonObject body = new JsonObject(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      calls.add(body);
      String json = gaDown
          ? "{\"__type\":\"InternalServiceErrorException\",\"Message\":\"control plane unavailable\"}"
          : "{\"EndpointGroup\":{\"EndpointGroupArn\":\"" + body.getString("EndpointGroupArn") + "\"}}";
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
      exchange.sendResponseHeaders(gaDown ? 500 : 200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    ga.start();
    gaClient = GlobalAcceleratorDials.newClient(
        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")),
        URI.create("http://127.0.0.1:" + ga.getAddress().getPort()));
  }

  @AfterAll
  static void stop() {
    gaClient.close();
    ga.stop(0);
    client.close();
    state.close();
  }

  @Test
  void anUnplannedFailoverCompletesWhileEveryDialCallFailsAndFailbackWaitsForTheDial() {
    ManualScheduler retries = new ManualScheduler();
    ClusterWorld w = new ClusterWorld(client, (region, clock) -> new GlobalAcceleratorDials(gaClient,
        endpointGroups(region), Backoff.defaults(), retries, clock), Prescaler.NONE);
    Map<String, SimpleMeterRegistry> registries = w.withMetrics(region -> new SimpleMeterRegistry());
    w.rounds(2);

    w.kill(w.a());
    w.roundsUntil(w.a(), is(FAILOVER_ACTIVE, 0), 10);

    DialStatus dial = w.leaderOf(w.a()).dialStatus(w.a());
    assertThat(dial.requested()).isZero();
    assertThat(dial.applied()).isNull();
    assertThat(dial.attempts()).isGreaterThanOrEqualTo(1);
    assertThat(dial.lastError()).isEqualTo("InternalServiceErrorException: control plane unavailable");
    assertThat(calls).anySatisfy(c -> assertThat(c.getDouble("TrafficDialPercentage")).isEqualTo(0.0));
    w.round();
    FailoverRowItem row = w.row(w.a());
    assertThat(row.getDialError()).isEqualTo("InternalServiceErrorException: control plane unavailable");
    assertThat(row.getDialApplied()).isNull();
    // On-call sees it too: the leader's gauges show the failing dial (retries not run: one attempt), nothing applied.
    SimpleMeterRegistry led = registries.get(w.regionOf(w.leaderOf(w.a())));
    assertThat(gauge(led, "mrgc.failover.state", w.a())).isEqualTo(2.0);
    assertThat(gauge(led, "mrgc.failover.traffic.dial.percent", w.a())).isZero();
    assertThat(gauge(led, "mrgc.failover.dial.failed.attempts", w.a())).isEqualTo(1.0);
    assertThat(gauge(led, "mrgc.failover.dial.applied.percent", w.a())).isNaN();

    // The region recovers while GA is still down: it is pre-positioned at 10 % but not let back in.
    w.revive(w.a());
    for (int i = 0; i < 15; i++) {
      w.round();
      retries.runAll();
    }
    assertThat(w.row(w.a())).satisfies(r -> {
      assertThat(r.getFailoverState()).isEqualTo("FAILOVER_ACTIVE");
      assertThat(r.getTrafficDial()).isEqualTo(10);
    });

    gaDown = false;
    for (int i = 0; i < 40 && !is(NORMAL, 100).test(w.row(w.a())); i++) {
      w.round();
      retries.runAll();
    }
    assertThat(w.row(w.a()).getHistory()).extracting(t -> t.getToState() + "/" + t.getToDial()).containsSubsequence(
        "FAILOVER_ACTIVE/0", "FAILOVER_ACTIVE/10", "RECOVERING/10", "RECOVERING/50", "RECOVERING/100", "NORMAL/100");
    SimpleMeterRegistry back = registries.get(w.regionOf(w.leaderOf(w.a())));
    assertThat(gauge(back, "mrgc.failover.state", w.a())).isZero();
    assertThat(gauge(back, "mrgc.failover.dial.failed.attempts", w.a())).isZero();
    assertThat(gauge(back, "mrgc.failover.dial.applied.percent", w.a())).isEqualTo(100.0);
    w.close();
  }

  /** An endpoint group per region of the world {@code region} belongs to (its regions end in -a, -b, -c). */
  private static Map<String, String> endpointGroups(String region) {
    String prefix = region.substring(0, region.length() - 1);
    String arn = "arn:aws:globalaccelerator::123456789012:accelerator/abc/listener/def/endpoint-group/";
    return Map.of(prefix + "a", arn + "a", prefix + "b", arn + "b", prefix + "c", arn + "c");
  }
}
