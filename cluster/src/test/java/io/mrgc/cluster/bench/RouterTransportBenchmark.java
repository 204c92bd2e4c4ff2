package io.mrgc.cluster.bench;

import io.mrgc.cluster.LocalFoundation;
import io.mrgc.cluster.processes.ChildProcess;
import io.mrgc.cluster.processes.ProcessCluster;
import io.mrgc.common.ApiException;
import io.mrgc.common.peer.PeerAuth;
import io.mrgc.common.peer.PeerAuthOptions;
import io.mrgc.common.peer.PeerKey;
import io.mrgc.state.ApiKeys;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.TenantRepository;
import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.state.items.TenantItem;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 11's router on Netty's epoll transport vs NIO (not a test; docs/benchmarks.md, "Services as processes"). Two
 * router processes of the same region, started as {@code mrgc up --processes} starts routers ({@code mrgc serve
 * router}, {@link ProcessCluster#jvmFlags}("router"), HMAC keys in {@code MRGC_AGENT_AUTH_KEYS}), one with
 * {@code process.transport: auto} (epoll) and one with {@code nio}, in front of the same stand-in agents.
 *
 * <p>What isolates the transport: plaintext HTTP on both hops and {@code allowPlaintext} (no TLS, no envelope), a
 * tiny body, and stand-in agents in this JVM that answer at once (READY, signed with the router's HMAC key as the real
 * agent does) instead of ONNX inference and a car wash (about 25 ms of CPU per request here, which would hide a
 * transport's microseconds). What is left per request is the router's own work (tenant auth from its cache, rate
 * limit, pick, HMAC, two HTTP/1.1 hops on kept-alive connections), and the transport's share of that.
 *
 * <p>{@code CONCURRENCY} closed-loop requests in flight from a Vert.x client in this JVM; rounds of
 * {@code ROUND_SECONDS} alternate epoll, nio, nio, epoll, ... so drift hits both alike; the router not under load in a
 * round is idle. Per round it also reads each router's CPU time (/proc, through {@link ProcessHandle}): CPU per
 * request is the number least disturbed by the load generator sharing the machine.
 *
 * <p>Run (after {@code mvn -B -q -o -pl cluster -am test-compile -DskipTests}):
 * {@code cluster/src/test/bench/services-as-processes.sh transport [ROUNDS [ROUND_SECONDS [CONCURRENCY]]]} (defaults
 * 10 rounds per transport, 5 s, 16).
 */
public final class RouterTransportBenchmark {
  private static final String REGION = "us-east-1";
  private static final String MODEL = "m1";
  private static final int INSTANCES = 8;
  private static final Pattern READY = Pattern.compile("router ready in (\\d+) ms \\(transport (\\w+)\\)");

  /** One transport's router process and its measurements. */
  private static final class Router {
    final String transport;
    final ChildProcess process;
    final int port;
    final int admin;
    final List<long[]> rounds = new ArrayList<>();
    final List<Double> roundSeconds = new ArrayList<>();
    final List<Double> roundCpuMs = new ArrayList<>();
    int errors;
    String firstError;
    String logged = "?";
    long readyMs;

    Router(String transport, ChildProcess process, int port, int admin) {
      this.transport = transport;
      this.process = process;
      this.port = port;
      this.admin = admin;
    }
  }

  private RouterTransportBenchmark() {}

  public static void main(String[] args) {
    ServiceFootprintBenchmark.runAndExit(() -> run(args));
  }

  private static void run(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int roundSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    Path dir = Files.createTempDirectory("transport-bench-");
    String keys = PeerKey.generateSpec();
    Vertx vertx = Vertx.vertx();
    LocalFoundation foundation = LocalFoundation.open(0, null, List.of(REGION), dir.resolve("models"), null,
        List.of());
    List<Router> routers = new ArrayList<>();
    Thread heartbeats = null;
    try {
      String apiKey = ApiKeys.generate();
      TenantItem tenant = new TenantItem();
      tenant.setTenantId("transport-bench");
      tenant.setApiKeyHash(ApiKeys.hash(apiKey));
      tenant.setKmsKeyId("alias/transport-bench");
      tenant.setCreatedAtMillis(System.currentTimeMillis());
      tenant.setRateLimitRps(100_000.0);
      tenant.setRateLimitBurst(100_000);
      new TenantRepository(foundation.stateClient(REGION)).create(tenant).join();

      List<String> endpoints = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        // one per instance, as each real agent has its own: the replay cache holds 100,000 nonces per clock-skew
        // window, which one shared checker would outgrow at a few thousand requests per second
        PeerAuth agentAuth = new PeerAuth(PeerAuthOptions.parse(keys), Clock.systemUTC());
        HttpServer server = vertx.createHttpServer().requestHandler(r -> answer(r, agentAuth));
        int port = server.listen(0, "127.0.0.1").await().actualPort();
        endpoints.add("http://127.0.0.1:" + port);
      }
      GpuInstanceRepository instances = new GpuInstanceRepository(foundation.stateClient(REGION));
      heartbeats = heartbeats(instances, endpoints);

      for (String transport : List.of("auto", "nio")) {
        routers.add(startRouter(dir, transport, foundation, keys));
      }
      for (Router router : routers) {
        awaitServing(router, apiKey);
        Matcher m = READY.matcher(Files.readString(router.process.log()));
        if (m.find()) {
          router.readyMs = Long.parseLong(m.group(1));
          router.logged = m.group(2);
        }
        System.out.printf("router %s: process.transport %s, log says transport %s, ready in %d ms%n",
            router.process.name(), router.transport, router.logged, router.readyMs);
      }

      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(concurrency));
      for (int w = 0; w < 2; w++) { // warm-up: C1 compiles the hot path of both, twice each
        for (Router router : routers) {
          drive(http, router, apiKey, concurrency, roundSeconds, false);
        }
      }
      for (int r = 0; r < rounds; r++) {
        List<Router> order = r % 2 == 0 ? routers : List.of(routers.get(1), routers.get(0));
        for (Router router : order) {
          drive(http, router, apiKey, concurrency, roundSeconds, true);
        }
        int round = r;
        System.out.printf(Locale.ROOT, "round %d: %s%n", r + 1, String.join(", ", routers.stream().map(x ->
            String.format(Locale.ROOT, "%s %.0f req/s p50 %.3f ms", x.logged,
                x.rounds.get(round).length / x.roundSeconds.get(round),
                HardeningLoadDriver.percentileMs(x.rounds.get(round), 50))).toList()));
      }
      for (Router router : routers) {
        System.out.printf("router %s: %d MiB resident after the run; rate-limit leases: %s%n", router.process.name(),
            router.process.residentBytes() >> 20, rateLimitLeases(router));
      }
      System.out.print(report(routers.get(0), routers.get(1), rounds, roundSeconds, concurrency));
    } finally {
      if (heartbeats != null) {
        heartbeats.interrupt();
      }
      routers.forEach(r -> r.process.terminate());
      routers.forEach(r -> r.process.awaitExit(Duration.ofSeconds(20)));
      routers.forEach(r -> r.process.kill());
      foundation.close();
      ServiceFootprintBenchmark.deleteQuietly(dir);
    }
  }

  /** The stand-in agent: checks the router's signature, reads the body, answers at once READY and signed. */
  private static void answer(HttpServerRequest request, PeerAuth auth) {
    PeerAuth.Verified verified;
    try {
      verified = auth.verify(request.headers(), request.method().name(), request.uri());
    } catch (ApiException refused) {
      request.response().setStatusCode(401).putHeader("connection", "close").end();
      return;
    }
    HttpServerResponse response = request.response();
    response.headersEndHandler(v -> auth.signResponse(response.headers(), verified, response.getStatusCode()));
    if ("100-continue".equalsIgnoreCase(request.getHeader("expect"))) {
      response.writeContinue();
    }
    request.body().onSuccess(body -> response.putHeader("x-mrgc-instance-state", "READY")
        .putHeader("x-mrgc-wash", "clean").putHeader("x-mrgc-wash-ms", "0")
        .putHeader("content-type", "application/json").end("{\"outputs\":[" + body.length() + "]}"));
  }

  /** Rows READY and fresh, rewritten every second as real agents' heartbeats are. */
  private static Thread heartbeats(GpuInstanceRepository instances, List<String> endpoints) {
    for (int i = 0; i < endpoints.size(); i++) {
      instances.put(row("i-" + i, endpoints.get(i))).join();
    }
    Thread thread = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(1_000);
          for (int i = 0; i < endpoints.size(); i++) {
            GpuInstanceItem current = instances.get(REGION, "i-" + i).join();
            GpuInstanceItem next = row("i-" + i, endpoints.get(i));
            next.setVersion(current.getVersion());
            instances.put(next).join();
          }
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          // a lost race on the row's version: the next beat writes again
        }
      }
    }, "bench-heartbeats");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static GpuInstanceItem row(String id, String endpoint) {
    GpuInstanceItem item = new GpuInstanceItem();
    item.setRegion(REGION);
    item.setInstanceId(id);
    item.setEndpoint(endpoint);
    item.setState(InstanceState.READY.name());
    item.setQueueDepth(0);
    item.setInFlight(0);
    item.setLatencyEwmaMs(1);
    item.setHealth(100);
    item.setModels(List.of(MODEL));
    item.setHeartbeatAtMillis(System.currentTimeMillis());
    item.setStartedAtMillis(System.currentTimeMillis() - 3_600_000);
    item.setExpiresAtEpochSeconds(System.currentTimeMillis() / 1000 + 3600);
    return item;
  }

  private static Router startRouter(Path dir, String transport, LocalFoundation foundation, String keys)
      throws IOException {
    int port = freePort();
    int admin = freePort();
    String name = "router-" + (transport.equals("auto") ? "epoll" : "nio");
    Path config = dir.resolve(name + ".yaml");
    Files.writeString(config, String.join("\n",
        "# a router of " + REGION + " as mrgc up --processes writes one, plaintext, transport " + transport,
        "mode: local",
        "region: " + REGION,
        "state:",
        "  endpoint: " + foundation.dynamoDb().endpoint(),
        "routerId: " + name,
        "listener:",
        "  host: 127.0.0.1",
        "  port: " + port,
        "admin:",
        "  host: 127.0.0.1",
        "  port: " + admin,
        "tls:",
        "  enabled: false",
        "allowPlaintext: true",
        "process:",
        "  transport: " + transport,
        "  shutdownGrace: 5s",
        ""));
    ChildProcess process = ChildProcess.start(name, "router", config, ProcessCluster.jvmFlags("router"),
        Map.of("MRGC_AGENT_AUTH_KEYS", keys), dir.resolve("logs"));
    return new Router(transport, process, port, admin);
  }

  /** Until the router answers a request 200 (it has read the tenant and the instances). */
  private static void awaitServing(Router router, String apiKey) throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    String last = "";
    while (System.nanoTime() < deadline) {
      if (!router.process.alive()) {
        throw new IllegalStateException(router.process + " exited: " + router.process.logTail(30));
      }
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + router.port + "/v2/models/" + MODEL + "/infer"))
            .header("authorization", "Bearer " + apiKey).POST(HttpRequest.BodyPublishers.ofString("{\"x\":1}"))
            .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
        last = response.statusCode() + " " + response.body();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(router.process + " does not serve: " + last + "\n" + router.process.logTail(30));
  }

  /** {@code concurrency} closed loops against {@code router} for {@code seconds}; keeps the latencies if measured. */
  private static void drive(HttpClient http, Router router, String apiKey, int concurrency, int seconds,
      boolean measured) throws InterruptedException {
    Buffer body = Buffer.buffer("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"The cat "
        + "sits on the mat\"]}]}");
    RequestOptions infer = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
        .setPort(router.port).setURI("/v2/models/" + MODEL + "/infer").setIdleTimeout(10_000)
        .putHeader("authorization", "Bearer " + apiKey).putHeader("content-type", "application/json");
    long[] latencies = new long[2_000_000];
    AtomicInteger count = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    AtomicReference<String> firstError = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(concurrency);
    long cpuBefore = cpuNanos(router.process);
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    for (int c = 0; c < concurrency; c++) {
      loop(http, infer, body, end, latencies, count, errors, firstError, done);
    }
    done.await();
    long wall = System.nanoTime() - start;
    long cpu = cpuNanos(router.process) - cpuBefore;
    if (firstError.get() != null) {
      System.out.printf("%s: %d errors, first: %s%n", router.process.name(), errors.get(), firstError.get());
    }
    if (measured) {
      router.rounds.add(Arrays.copyOf(latencies, Math.min(count.get(), latencies.length)));
      router.roundSeconds.add(wall / 1e9);
      router.roundCpuMs.add(cpu / 1e6);
      router.errors += errors.get();
      if (router.firstError == null) {
        router.firstError = firstError.get();
      }
    }
  }

  private static void loop(HttpClient http, RequestOptions infer, Buffer body, long end, long[] latencies,
      AtomicInteger count, AtomicInteger errors, AtomicReference<String> firstError, CountDownLatch done) {
    if (System.nanoTime() >= end) {
      done.countDown();
      return;
    }
    long began = System.nanoTime();
    Promise<Void> next = Promise.promise();
    http.request(infer).compose(request -> request.send(body))
        .compose(response -> response.body().map(b -> response.statusCode() == 200 ? "" : response.statusCode() + " "
            + b))
        .onComplete(result -> {
          if (result.succeeded() && result.result().isEmpty()) {
            int i = count.getAndIncrement();
            if (i < latencies.length) {
              latencies[i] = System.nanoTime() - began;
            }
          } else {
            errors.incrementAndGet();
            firstError.compareAndSet(null, result.succeeded() ? result.result() : result.cause().toString());
          }
          next.complete();
        });
    next.future().onComplete(v -> loop(http, infer, body, end, latencies, count, errors, firstError, done));
  }

  /** The router's rate-limit lease counters from its /metrics (each lease is a DynamoDB write in the path). */
  private static String rateLimitLeases(Router router) {
    try {
      String metrics = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + router.admin + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
          .body();
      return String.join("; ", metrics.lines().filter(l -> l.contains("rate_limit") && !l.startsWith("#")).toList());
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private static long cpuNanos(ChildProcess process) {
    return ProcessHandle.of(process.pid()).flatMap(h -> h.info().totalCpuDuration()).map(Duration::toNanos)
        .orElse(-1L);
  }

  static String report(Router epoll, Router nio, int rounds, int roundSeconds, int concurrency) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%n%d rounds per transport of %d s, %d requests in flight, %d stand-in "
        + "instances%n%n", rounds, roundSeconds, concurrency, INSTANCES));
    out.append("| router | log line says | requests | requests/s | p50 ms | p99 ms | router CPU µs/request | errors |\n"
        + "|---|---|---|---|---|---|---|---|\n");
    for (Router r : List.of(epoll, nio)) {
      long[] all = r.rounds.stream().flatMapToLong(Arrays::stream).toArray();
      double wall = r.roundSeconds.stream().mapToDouble(Double::doubleValue).sum();
      double cpu = r.roundCpuMs.stream().mapToDouble(Double::doubleValue).sum();
      out.append(String.format(Locale.ROOT, "| process.transport: %s | transport %s | %d | %.0f | %.3f | %.3f | %.1f "
              + "| %d |%n", r.transport, r.logged, all.length, all.length / wall, HardeningLoadDriver.percentileMs(all, 50),
          HardeningLoadDriver.percentileMs(all, 99), cpu * 1000 / all.length, r.errors));
      if (r.firstError != null) {
        out.append("first error (").append(r.transport).append("): ").append(r.firstError).append('\n');
      }
    }
    double[] tput = new double[rounds];
    double[] p50 = new double[rounds];
    double[] p99 = new double[rounds];
    double[] cpu = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      tput[i] = (epoll.rounds.get(i).length / epoll.roundSeconds.get(i))
          / (nio.rounds.get(i).length / nio.roundSeconds.get(i));
      p50[i] = HardeningLoadDriver.percentileMs(epoll.rounds.get(i), 50) / HardeningLoadDriver.percentileMs(nio.rounds.get(i), 50);
      p99[i] = HardeningLoadDriver.percentileMs(epoll.rounds.get(i), 99) / HardeningLoadDriver.percentileMs(nio.rounds.get(i), 99);
      cpu[i] = (epoll.roundCpuMs.get(i) / epoll.rounds.get(i).length) / (nio.roundCpuMs.get(i) / nio.rounds.get(i).length);
    }
    long[] e = epoll.rounds.stream().flatMapToLong(Arrays::stream).toArray();
    long[] n = nio.rounds.stream().flatMapToLong(Arrays::stream).toArray();
    double eWall = epoll.roundSeconds.stream().mapToDouble(Double::doubleValue).sum();
    double nWall = nio.roundSeconds.stream().mapToDouble(Double::doubleValue).sum();
    double eCpu = epoll.roundCpuMs.stream().mapToDouble(Double::doubleValue).sum() / e.length;
    double nCpu = nio.roundCpuMs.stream().mapToDouble(Double::doubleValue).sum() / n.length;
    out.append("\n| epoll / nio | pooled | per round: min / median / max |\n|---|---|---|\n");
    out.append(row("throughput", (e.length / eWall) / (n.length / nWall), tput));
    out.append(row("p50", HardeningLoadDriver.percentileMs(e, 50) / HardeningLoadDriver.percentileMs(n, 50), p50));
    out.append(row("p99", HardeningLoadDriver.percentileMs(e, 99) / HardeningLoadDriver.percentileMs(n, 99), p99));
    out.append(row("router CPU per request", eCpu / nCpu, cpu));
    return out.toString();
  }

  private static String row(String what, double pooled, double[] perRound) {
    double[] sorted = perRound.clone();
    Arrays.sort(sorted);
    return String.format(Locale.ROOT, "| %s | %.3fx | %.3f / %.3f / %.3f |%n", what, pooled, sorted[0],
        sorted[(sorted.length - 1) / 2], sorted[sorted.length - 1]);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }
}
