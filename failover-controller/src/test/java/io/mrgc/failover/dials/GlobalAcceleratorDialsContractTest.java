package io.mrgc.failover.dials;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.mrgc.failover.ManualScheduler;
import io.mrgc.failover.TestClock;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.globalaccelerator.GlobalAcceleratorAsyncClient;

/**
 * Contract test: the real SDK v2 GlobalAcceleratorAsyncClient, built by the adapter's factory, against an in-test
 * endpoint that checks the JSON 1.1 request (target header, body, signature scope) and answers like GA.
 */
class GlobalAcceleratorDialsContractTest {
  static final String ARN_EAST = "arn:aws:globalaccelerator::123456789012:accelerator/1234abcd-abcd-1234-abcd-1234abcdefgh"
      + "/listener/0123vxyz/endpoint-group/098765zyxwvu";
  static final String ARN_WEST = "arn:aws:globalaccelerator::123456789012:accelerator/1234abcd-abcd-1234-abcd-1234abcdefgh"
      + "/listener/0123vxyz/endpoint-group/ab88888example";

  /** What the endpoint saw of one request. */
  record Seen(String method, String path, Map<String, List<String>> headers, JsonObject body) {
    String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }
  }

  record Answer(int status, String json) {}

  static final Answer OK = new Answer(200, "{\"EndpointGroup\":{\"EndpointGroupArn\":\"" + ARN_EAST + "\","
      + "\"EndpointGroupRegion\":\"us-east-1\",\"TrafficDialPercentage\":10.0,\"HealthCheckPort\":80,"
      + "\"HealthCheckProtocol\":\"HTTP\",\"HealthCheckPath\":\"/healthz/region\",\"HealthCheckIntervalSeconds\":10,"
      + "\"ThresholdCount\":3,\"EndpointDescriptions\":[]}}");
  static final Answer INTERNAL = new Answer(500,
      "{\"__type\":\"InternalServiceErrorException\",\"Message\":\"There was an internal error for AWS Global "
          + "Accelerator.\"}");

  // One server and one client for the class: closing the SDK's Netty client takes seconds.
  static HttpServer server;
  static GlobalAcceleratorAsyncClient client;
  static final List<Seen> requests = new CopyOnWriteArrayList<>();
  static volatile Function<Seen, Answer> responder = seen -> OK;
  final ManualScheduler scheduler = new ManualScheduler();
  final TestClock clock = new TestClock();
  GlobalAcceleratorDials dials;

  @BeforeAll
  static void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Seen seen = new Seen(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
          Map.copyOf(exchange.getRequestHeaders()), body.isEmpty() ? new JsonObject() : new JsonObject(body));
      requests.add(seen);
      Answer answer = responder.apply(seen);
      byte[] bytes = answer.json().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
      exchange.getResponseHeaders().add("x-amzn-RequestId", "0d8a5e6c-1111-2222-3333-444455556666");
      exchange.sendResponseHeaders(answer.status(), bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
    client = GlobalAcceleratorDials.newClient(
        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")),
        URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
  }

  @AfterAll
  static void stopServer() {
    client.close();
    server.stop(0);
  }

  @BeforeEach
  void newDials() {
    requests.clear();
    responder = seen -> OK;
    dials = new GlobalAcceleratorDials(client, Map.of("us-east-1", ARN_EAST, "us-west-2", ARN_WEST),
        Backoff.defaults(), scheduler, clock);
  }

  @AfterEach
  void closeDials() {
    dials.close();
  }

  @Test
  void setsTheDialWithUpdateEndpointGroupSignedForUsWest2() {
    DialStatus status = dials.apply(new DialRequest("us-east-1", 10, 4)).join();

    assertThat(status.applied()).isEqualTo(10);
    assertThat(status.attempts()).isEqualTo(1);
    assertThat(status.lastError()).isNull();
    assertThat(status.settled()).isTrue();
    Seen seen = requests.get(0);
    assertThat(seen.method()).isEqualTo("POST");
    assertThat(seen.path()).isEqualTo("/");
    assertThat(seen.header("X-Amz-Target")).isEqualTo("GlobalAccelerator_V20180706.UpdateEndpointGroup");
    assertThat(seen.header("Content-Type")).isEqualTo("application/x-amz-json-1.1");
    assertThat(seen.body().getString("EndpointGroupArn")).isEqualTo(ARN_EAST);
    assertThat(seen.body().getDouble("TrafficDialPercentage")).isEqualTo(10.0);
    assertThat(seen.body().fieldNames()).containsExactlyInAnyOrder("EndpointGroupArn", "TrafficDialPercentage");
    // The GA API lives in us-west-2 only: whatever region calls it, the request is signed for us-west-2.
    assertThat(seen.header("Authorization")).startsWith("AWS4-HMAC-SHA256 Credential=AKIDTEST/")
        .contains("/us-west-2/globalaccelerator/aws4_request");
  }

  @Test
  void eachRegionGoesToItsOwnEndpointGroupAndTheSameDialIsNotSentTwice() {
    dials.apply(new DialRequest("us-east-1", 0, 1)).join();
    dials.apply(new DialRequest("us-west-2", 50, 1)).join();
    dials.apply(new DialRequest("us-east-1", 0, 1)).join();

    assertThat(requests).extracting(r -> r.body().getString("EndpointGroupArn")).containsExactly(ARN_EAST, ARN_WEST);
    assertThat(requests).extracting(r -> r.body().getDouble("TrafficDialPercentage")).containsExactly(0.0, 50.0);
  }

  @Test
  void failedCallsAreRetriedWithExponentialBackoffAndTheLastErrorAndAttemptsAreVisible() {
    responder = seen -> INTERNAL;

    DialStatus first = dials.apply(new DialRequest("us-east-1", 0, 1)).join();
    assertThat(first.applied()).isNull();
    assertThat(first.attempts()).isEqualTo(1);
    assertThat(first.lastError()).isEqualTo("InternalServiceErrorException: There was an internal error for AWS "
        + "Global Accelerator.");
    assertThat(first.nextAttemptAt()).isEqualTo(clock.instant().plusSeconds(1));
    assertThat(first.summary()).startsWith("global-accelerator: 0 % requested (applied unknown), 1 attempt, last "
        + "error: InternalServiceErrorException");

    retry(2);
    retry(3);
    retry(4);
    assertThat(scheduler.delays).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
        Duration.ofSeconds(8));
    assertThat(requests).hasSize(4);
    // Asking again for the same dial while it is being retried adds no call.
    dials.apply(new DialRequest("us-east-1", 0, 1)).join();
    assertThat(requests).hasSize(4);

    responder = seen -> OK;
    retry(5);
    DialStatus applied = dials.status("us-east-1");
    assertThat(applied.applied()).isZero();
    assertThat(applied.lastError()).isNull();
    assertThat(applied.attempts()).isEqualTo(5);
    assertThat(scheduler.pending()).isZero();
  }

  @Test
  void aNewDialReplacesTheOneBeingRetried() {
    responder = seen -> INTERNAL;
    dials.apply(new DialRequest("us-east-1", 0, 1)).join();
    responder = seen -> OK;

    DialStatus status = dials.apply(new DialRequest("us-east-1", 10, 1)).join();
    assertThat(status.applied()).isEqualTo(10);
    assertThat(status.attempts()).isEqualTo(1);
    scheduler.runNext(); // the retry of 0 % finds itself replaced and calls nothing
    assertThat(requests).extracting(r -> r.body().getDouble("TrafficDialPercentage")).containsExactly(0.0, 10.0);
  }

  @Test
  void aRegionWithoutAnEndpointGroupIsAnErrorWithoutACall() {
    DialStatus status = dials.apply(new DialRequest("eu-west-1", 10, 1)).join();
    assertThat(status.lastError()).isEqualTo("no endpoint group ARN configured for region eu-west-1");
    assertThat(dials.status("eu-west-1").lastError()).isEqualTo("no endpoint group ARN configured for region eu-west-1");
    assertThat(requests).isEmpty();
  }

  @Test
  void backoffGrowsToItsCap() {
    Backoff backoff = Backoff.defaults();
    assertThat(backoff.delay(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(backoff.delay(6)).isEqualTo(Duration.ofSeconds(32));
    assertThat(backoff.delay(7)).isEqualTo(Duration.ofSeconds(60));
    assertThat(backoff.delay(1000)).isEqualTo(Duration.ofSeconds(60));
  }

  /** Runs the scheduled retry and waits (not a timing assertion) until its call has been answered. */
  private void retry(int expectedAttempts) {
    scheduler.runNext();
    awaitTrue(() -> {
      DialStatus status = dials.status("us-east-1");
      return status.attempts() == expectedAttempts && (status.nextAttemptAt() != null || status.settled());
    }, "attempt " + expectedAttempts + " answered");
  }

  static void awaitTrue(Supplier<Boolean> condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("gave up waiting for " + what);
      }
      Thread.onSpinWait();
    }
  }
}
