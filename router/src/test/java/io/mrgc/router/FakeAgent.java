package io.mrgc.router;

import io.mrgc.common.ApiErrors;
import io.mrgc.common.ApiException;
import io.mrgc.common.peer.PeerAuth;
import io.mrgc.common.peer.PeerAuthOptions;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.items.GpuInstanceItem;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in node agent: a small HTTP server that counts the bytes of each request body as they arrive and, at the
 * end, answers with the count and echoes some headers. It registers itself as a gpu_instances row.
 *
 * <p>Like the real agent it serves one request at a time with a car wash before the response: it answers
 * {@code Expect: 100-continue} with 100 Continue when it takes the request, or, with {@link #refuseWith} set, with a
 * final 503 and {@code x-mrgc-instance-state} without reading the body; its responses report the state after the
 * wash ({@link #stateAfter}). It counts how many requests it has at once, so tests can check exclusivity.
 * With {@link #admissionLimit} set it is its own arbiter like the real agent's door (InstanceGate with
 * {@code maxQueuedRequests}): a request beyond the limit gets 429 {@code overloaded}, body unread, whoever sent it.
 * It also counts the tenants ({@code x-mrgc-tenant}) it serves at once.
 */
final class FakeAgent {
  final String id;
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger completedBodies = new AtomicInteger();
  final AtomicInteger resets = new AtomicInteger();
  final AtomicInteger refusals = new AtomicInteger();
  /** Body bytes received in all, refused requests included (a refusal must come before any byte). */
  final AtomicLong bodyBytes = new AtomicLong();
  final AtomicInteger concurrent = new AtomicInteger();
  final AtomicInteger maxConcurrent = new AtomicInteger();
  /** Requests being served per tenant, and the most distinct tenants served at once. */
  private final java.util.Map<String, Integer> tenantsServed = new ConcurrentHashMap<>();
  final AtomicInteger maxTenantsAtOnce = new AtomicInteger();
  /** Requests refused with 429 overloaded ({@link #admissionLimit}). */
  final AtomicInteger overloaded = new AtomicInteger();
  /** Requests served at once at most; one more gets 429 overloaded, body unread (0: no limit). */
  volatile int admissionLimit;
  /** Distinct connections requests arrived on, and how many of them are closed. */
  final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
  final AtomicInteger closedConnections = new AtomicInteger();
  final Promise<Void> firstChunk = Promise.promise();
  volatile long responseDelayMillis;
  /** When set, requests get no answer at all, not even to their head (a hung agent); counted in {@link #requests}. */
  volatile boolean hung;
  /** When set, every request is refused with this state, before its body (as an agent that is not READY). */
  volatile String refuseWith;
  /** The x-mrgc-instance-state of responses; null = the header is left out (an older agent). */
  volatile String stateAfter = "READY";
  /** When set, responses wait for it (a request that takes as long as the test wants). */
  volatile Future<Void> gate;
  /** Requests refused with 401 peer_unauthenticated (with {@link #startWithPeerAuth}). */
  final AtomicInteger unauthenticated = new AtomicInteger();
  /** Like the real agent's peer check: verifies the router's signature and signs answers (null: off). */
  private PeerAuth peerAuth;
  private final Vertx vertx;
  private HttpServer server;
  private int port;

  private FakeAgent(Vertx vertx, String id) {
    this.vertx = vertx;
    this.id = id;
  }

  static FakeAgent start(Vertx vertx, String id) {
    FakeAgent agent = new FakeAgent(vertx, id);
    agent.server = vertx.createHttpServer().requestHandler(agent::handle);
    agent.port = await(agent.server.listen(0, "127.0.0.1")).actualPort();
    return agent;
  }

  /**
   * An agent that, like the real one with peer authentication on, refuses requests without a valid router signature
   * with 401 {@code peer_unauthenticated} (body unread) and signs its answers with {@code auth}.
   */
  static FakeAgent startWithPeerAuth(Vertx vertx, String id, PeerAuthOptions auth) {
    FakeAgent agent = new FakeAgent(vertx, id);
    agent.peerAuth = new PeerAuth(auth, java.time.Clock.systemUTC());
    agent.server = vertx.createHttpServer().requestHandler(agent::handle);
    agent.port = await(agent.server.listen(0, "127.0.0.1")).actualPort();
    return agent;
  }

  /** A row whose endpoint nobody listens on (a port that was just free). */
  static GpuInstanceItem deadRow(String region, String id, int load) {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return row(region, id, "http://127.0.0.1:" + socket.getLocalPort(), load);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static GpuInstanceItem row(String region, String id, String endpoint, int load) {
    GpuInstanceItem item = new GpuInstanceItem();
    item.setRegion(region);
    item.setInstanceId(id);
    item.setEndpoint(endpoint);
    item.setState(InstanceState.READY.name());
    item.setQueueDepth(load);
    item.setInFlight(0);
    item.setLatencyEwmaMs(20);
    item.setHealth(100);
    item.setModels(List.of("m1"));
    item.setHeartbeatAtMillis(System.currentTimeMillis());
    item.setStartedAtMillis(System.currentTimeMillis() - 3_600_000);
    item.setExpiresAtEpochSeconds(System.currentTimeMillis() / 1000 + 3600);
    return item;
  }

  GpuInstanceItem row(String region, int load) {
    return row(region, id, "http://127.0.0.1:" + port, load);
  }

  void register(GpuInstanceRepository repository, String region, int load) {
    repository.put(row(region, load)).join();
  }

  /** A new heartbeat (READY, now) over the registered row, as the agent writes it every second. */
  void heartbeat(GpuInstanceRepository repository, String region, int load) {
    GpuInstanceItem current = repository.get(region, id).join();
    GpuInstanceItem next = row(region, load);
    next.setVersion(current.getVersion());
    repository.put(next).join();
  }

  void kill() {
    await(server.close());
  }

  private void handle(HttpServerRequest request) {
    requests.incrementAndGet();
    if (connections.add(request.connection())) {
      request.connection().closeHandler(v -> closedConnections.incrementAndGet());
    }
    if (peerAuth != null && !peerChecked(request)) {
      return;
    }
    long[] bytes = {0};
    request.handler(chunk -> {
      bytes[0] += chunk.length();
      bodyBytes.addAndGet(chunk.length());
      firstChunk.tryComplete();
    });
    if (hung) {
      return;
    }
    String refusal = refuseWith;
    if (refusal != null) {
      refusals.incrementAndGet();
      request.response().setStatusCode(503).putHeader("content-type", "application/json")
          .putHeader("x-mrgc-instance-state", refusal)
          .end("{\"error\":{\"code\":\"instance_not_ready\",\"message\":\"instance is " + refusal + "\"}}");
      return;
    }
    int limit = admissionLimit;
    if (limit > 0 && concurrent.get() >= limit) {
      overloaded.incrementAndGet();
      request.response().setStatusCode(429).putHeader("content-type", "application/json")
          .putHeader("retry-after", "1").putHeader("connection", "close")
          .end("{\"error\":{\"code\":\"overloaded\",\"message\":\"the instance is full\"}}");
      return;
    }
    int now = concurrent.incrementAndGet();
    maxConcurrent.accumulateAndGet(now, Math::max);
    String tenant = String.valueOf(request.getHeader("x-mrgc-tenant"));
    tenantsServed.merge(tenant, 1, Integer::sum);
    maxTenantsAtOnce.accumulateAndGet(tenantsServed.size(), Math::max);
    if ("100-continue".equalsIgnoreCase(request.getHeader("expect"))) {
      request.response().writeContinue();
    }
    AtomicBoolean left = new AtomicBoolean();
    Runnable leave = () -> {
      if (left.compareAndSet(false, true)) {
        concurrent.decrementAndGet();
        tenantsServed.computeIfPresent(tenant, (t, n) -> n == 1 ? null : n - 1);
      }
    };
    request.exceptionHandler(error -> {
      resets.incrementAndGet();
      leave.run();
    });
    request.endHandler(v -> {
      completedBodies.incrementAndGet();
      Runnable answer = () -> {
        leave.run(); // done and washed before the response goes, as the real agent
        respond(request, bytes[0]);
      };
      Future<Void> waitFor = gate;
      if (waitFor != null) {
        waitFor.onComplete(done -> answer.run());
      } else if (responseDelayMillis > 0) {
        vertx.setTimer(responseDelayMillis, id -> answer.run());
      } else {
        answer.run();
      }
    });
  }

  private boolean peerChecked(HttpServerRequest request) {
    PeerAuth.Verified verified;
    try {
      verified = peerAuth.verify(request.headers(), request.method().name(), request.uri());
    } catch (ApiException refused) {
      unauthenticated.incrementAndGet();
      request.response().putHeader("connection", "close");
      ApiErrors.send(request.response(), refused, String.valueOf(request.getHeader("x-request-id")));
      return false;
    }
    HttpServerResponse response = request.response();
    response.headersEndHandler(v -> peerAuth.signResponse(response.headers(), verified, response.getStatusCode()));
    return true;
  }

  private void respond(HttpServerRequest request, long bytes) {
    HttpServerResponse response = request.response();
    String state = stateAfter;
    if (state != null) {
      response.putHeader("x-mrgc-instance-state", state).putHeader("x-mrgc-wash", "clean")
          .putHeader("x-mrgc-wash-ms", "3");
    }
    response.putHeader("content-type", "text/plain")
        .putHeader("x-agent", id)
        .putHeader("x-seen-request-id", String.valueOf(request.getHeader("x-request-id")))
        .putHeader("x-seen-custom", String.valueOf(request.getHeader("x-custom")))
        .putHeader("x-seen-keep-alive", String.valueOf(request.getHeader("keep-alive")))
        .putHeader("x-seen-hop", String.valueOf(request.getHeader("x-hop")))
        .putHeader("x-seen-path", request.uri())
        .putHeader("x-seen-tenant", String.valueOf(request.getHeader("x-mrgc-tenant")))
        .putHeader("x-seen-model", String.valueOf(request.getHeader("x-mrgc-model")))
        .putHeader("x-seen-authorization", String.valueOf(request.getHeader("authorization")))
        .putHeader("x-seen-api-key", String.valueOf(request.getHeader("x-api-key")))
        .putHeader("x-seen-content-type", String.valueOf(request.getHeader("content-type")))
        .putHeader("x-seen-expect", String.valueOf(request.getHeader("expect")))
        .putHeader("x-seen-content-length", String.valueOf(request.getHeader("content-length")))
        .putHeader("x-seen-transfer-encoding", String.valueOf(request.getHeader("transfer-encoding")))
        .end("bytes=" + bytes);
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
