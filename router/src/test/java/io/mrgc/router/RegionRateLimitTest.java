package io.mrgc.router;

import static io.mrgc.router.FakeAgent.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.router.metrics.MetricsWindow;
import io.mrgc.router.metrics.RouterMetrics;
import io.mrgc.router.security.RegionRateLimiter;
import io.mrgc.state.LocalState;
import io.mrgc.state.RateLimitRepository;
import io.mrgc.state.StateClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

/**
 * Rate limits per region, not per router: two routers of one region share each tenant's bucket through the
 * rate_limits table (leases of {@link #LEASE} tokens), and a router that cannot reach the table limits alone to its
 * share and says so in its metrics. No instance is needed: a request the limiter lets through is anything but 429
 * (here 503 no_capacity, the region has no instance).
 */
@ExtendWith(VertxExtension.class)
class RegionRateLimitTest {
  private static final double RPS = 2;
  private static final int BURST = 20;
  private static final int LEASE = 5;
  private static LocalState state;
  private static StateClient client;
  private static int regions;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-west-2");
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  private record Setup(RouterVerticle a, RouterVerticle b, String key, HttpClient http) {}

  private static Setup twoRouters(Vertx vertx, String tenantId) {
    String region = "test-rate-" + (++regions);
    String key = Tenants.create(client, tenantId, tenant -> {
      tenant.setRateLimitRps(RPS);
      tenant.setRateLimitBurst(BURST);
    });
    RouterVerticle a = new RouterVerticle(options(region, "router-a"), client);
    RouterVerticle b = new RouterVerticle(options(region, "router-b"), client);
    await(vertx.deployVerticle(a));
    await(vertx.deployVerticle(b));
    return new Setup(a, b, key, vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(64)));
  }

  private static RouterOptions options(String region, String routerId) {
    return RouterOptions.defaults(region, routerId).withRateLimits(RegionRateLimits.defaults().withLeaseTokens(LEASE));
  }

  /** Sends and answers the status; bodyless GETs, so the limiter is all that the request meets before the proxy. */
  private static Future<Integer> get(HttpClient http, RouterVerticle router, String key) {
    return http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
            .setPort(router.actualPort()).setURI("/v2/models/m1").putHeader("authorization", Tenants.bearer(key)))
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> response.statusCode()));
  }

  private static int accepted(List<Future<Integer>> answers) {
    await(Future.join(answers));
    return (int) answers.stream().filter(answer -> answer.result() != 429).count();
  }

  @Test
  void twoRoutersTogetherAcceptNoMoreThanTheRegionsBucketPlusOneLeaseEach(Vertx vertx) {
    Setup setup = twoRouters(vertx, "t-rate-shared");
    long startNanos = System.nanoTime();
    int first = accepted(List.of(get(setup.http(), setup.b(), setup.key()))); // b holds the rest of its lease
    List<Future<Integer>> answers = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      answers.add(get(setup.http(), i % 2 == 0 ? setup.a() : setup.b(), setup.key()));
    }
    int total = first + accepted(answers);
    double elapsedSeconds = (System.nanoTime() - startNanos) / 1e9;

    // A token bucket of BURST refilled at RPS, shared by both: over the test's span at most RPS x span + BURST
    // leased, and each router may have spent tokens it leased before (at most LEASE each). Per-router buckets
    // would accept 2 x BURST = 40 at once.
    double bound = RPS * elapsedSeconds + BURST + 2 * LEASE;
    assertThat((double) total).as("accepted by both routers in %.2f s", elapsedSeconds).isLessThanOrEqualTo(bound);
    assertThat(total).as("the region's burst was served").isGreaterThanOrEqualTo(BURST - 2 * LEASE);
    assertThat(setup.a().metrics().rejections("rate_limited") + setup.b().metrics().rejections("rate_limited"))
        .isEqualTo(81 - total);
    // Both asked the region's bucket (which of them got its tokens is a race: whoever leases first, here mostly b,
    // which already held a lease; one router may use the whole bucket).
    String leases = "a: " + leases(setup.a()) + "; b: " + leases(setup.b());
    assertThat(setup.a().metrics().rateLimitLeases("granted") + setup.a().metrics().rateLimitLeases("exhausted"))
        .as(leases).isPositive();
    assertThat(setup.b().metrics().rateLimitLeases("granted")).as(leases).isPositive();
    assertThat(setup.a().metrics().rateLimitLeases("failed")).isZero();
    await(setup.http().close());
  }

  @Test
  void oneRouterAloneMayUseTheWholeRegionalBucketWhileTheOtherIsIdle(Vertx vertx) {
    Setup setup = twoRouters(vertx, "t-rate-alone");
    assertThat(await(get(setup.http(), setup.b(), setup.key()))).isNotEqualTo(429); // b holds LEASE - 1 now
    long startNanos = System.nanoTime();
    List<Future<Integer>> answers = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      answers.add(get(setup.http(), setup.a(), setup.key()));
    }
    int byA = accepted(answers);
    double elapsedSeconds = (System.nanoTime() - startNanos) / 1e9;

    // Half of the burst is what a per-replica split (rps / 2, burst / 2) would give a; a gets all but what b holds.
    assertThat(byA).as("accepted by a alone").isGreaterThanOrEqualTo(BURST - LEASE).isGreaterThan(BURST / 2);
    assertThat((double) byA).isLessThanOrEqualTo(BURST - 1 + RPS * elapsedSeconds);
    await(setup.http().close());
  }

  @Test
  void anUnreachableTableDegradesToTheLocalShareAndSaysSoInMetrics(Vertx vertx) throws IOException {
    int deadPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = socket.getLocalPort();
    }
    var http = NettyNioAsyncHttpClient.builder().build();
    try (StateClient unreachable = StateClient.local(URI.create("http://127.0.0.1:" + deadPort), "us-west-2", http)) {
      RouterMetrics metrics = new RouterMetrics("test-rate-fallback", () -> 0, new MetricsWindow(0));
      AtomicLong nanos = new AtomicLong(1_000_000_000L); // a still clock: the local buckets do not refill
      Context context = vertx.getOrCreateContext();
      RegionRateLimiter limiter = new RegionRateLimiter(context, "test-rate-fallback",
          new RateLimitRepository(unreachable)::lease, RegionRateLimits.defaults(), 100, () -> 2, metrics, nanos::get,
          () -> System.currentTimeMillis() * 1000);

      List<Long> decisions = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        decisions.add(await(onContext(context, () -> limiter.acquire("t-fallback", 10, 10))));
      }

      // Two routers in the region: this one alone allows burst / 2 = 5, then refuses with a Retry-After.
      assertThat(decisions.stream().filter(d -> d == 0).count()).isEqualTo(5);
      assertThat(decisions.subList(5, 12)).allSatisfy(d -> assertThat(d).isPositive());
      assertThat(limiter.inFallback()).isTrue();
      assertThat(metrics.rateLimitLeases("failed")).isEqualTo(1.0);
      assertThat(metrics.rateLimitFallbackDecisions("allowed")).isEqualTo(5.0);
      assertThat(metrics.rateLimitFallbackDecisions("limited")).isEqualTo(7.0);
      assertThat(metrics.scrape())
          .containsPattern("mrgc_router_rate_limit_fallback\\{region=\"test-rate-fallback\"} 1.0")
          .containsPattern("mrgc_router_rate_limit_live_routers\\{region=\"test-rate-fallback\"} 2.0")
          .containsPattern("mrgc_router_rate_limit_fallback_decisions_total\\{decision=\"limited\",region=\""
              + "test-rate-fallback\"} 7.0");
    } finally {
      http.close();
    }
  }

  /**
   * A busy router: thousands of requests of one tenant wait while each lease brings one token. Each must be decided
   * in turn; none may fail (a chain of futures as deep as the leases a request waited through overflowed the stack,
   * which the gate answered as 429 under load).
   */
  @Test
  void manyRequestsWaitingThroughManyLeasesAreAllServedInTurn(Vertx vertx) {
    java.util.concurrent.ExecutorService table = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      manyWaitersThroughOneTokenLeases(vertx, now -> CompletableFuture.supplyAsync(
          () -> new RateLimitRepository.Lease(1, now, 0), table));
    } finally {
      table.shutdownNow();
    }
  }

  @Test
  void leasesThatCompleteAtOnceServeEachWaiterOnceWithoutNesting(Vertx vertx) {
    // A lease already complete when it is returned (a cache, a stand-in) must be handled like any other: served in a
    // later event-loop task, not re-entrantly from the decision that asked for it.
    manyWaitersThroughOneTokenLeases(vertx,
        now -> CompletableFuture.completedFuture(new RateLimitRepository.Lease(1, now, 0)));
  }

  /** 4,000 requests of one tenant, each lease grants one token: every request is let through, none twice. */
  private static void manyWaitersThroughOneTokenLeases(Vertx vertx,
      java.util.function.LongFunction<CompletableFuture<RateLimitRepository.Lease>> oneToken) {
    int requests = 4_000;
    RouterMetrics metrics = new RouterMetrics("test-rate-waiters", () -> 0, new MetricsWindow(0));
    Context context = vertx.getOrCreateContext();
    RegionRateLimiter.Leases oneTokenEach = (tenant, region, rps, burst, wanted, now, hint) -> oneToken.apply(now);
    RegionRateLimiter limiter = new RegionRateLimiter(context, "test-rate-waiters", oneTokenEach,
        RegionRateLimits.defaults(), 100, () -> 1, metrics, System::nanoTime,
        () -> System.currentTimeMillis() * 1000);
    List<Future<Long>> decisions = await(onContext(context, () -> {
      List<Future<Long>> all = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        all.add(limiter.acquire("t-waiters", 1_000_000, 1_000_000));
      }
      return Future.succeededFuture(all);
    }));
    await(Future.join(decisions));
    assertThat(decisions).allSatisfy(d -> assertThat(d.succeeded()).as("%s", d.cause()).isTrue());
    assertThat(decisions).allSatisfy(d -> assertThat(d.result()).isZero());
    // Read together on the event loop, where a lease adds to both at once: a prefetch may still be landing.
    double spent = await(onContext(context, () -> Future.succeededFuture(
        metrics.rateLimitLeases("granted") - limiter.heldTokens("t-waiters"))));
    assertThat(spent).as("one token per lease: the tokens granted and not held are the requests let through")
        .isEqualTo(requests);
  }

  private static String leases(RouterVerticle router) {
    return "granted " + router.metrics().rateLimitLeases("granted") + ", exhausted "
        + router.metrics().rateLimitLeases("exhausted") + ", failed " + router.metrics().rateLimitLeases("failed");
  }

  private static <T> Future<T> onContext(Context context, java.util.function.Supplier<Future<T>> call) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> call.get().onComplete(result));
    return result.future();
  }
}
