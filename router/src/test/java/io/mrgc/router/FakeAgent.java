package io.mrgc.router;

import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.items.GpuInstanceItem;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in node agent: a small HTTP server that counts the bytes of each request body as they arrive and, at the
 * end, answers with the count and echoes some headers. It registers itself as a gpu_instances row.
 */
final class FakeAgent {
  final String id;
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger completedBodies = new AtomicInteger();
  final AtomicInteger resets = new AtomicInteger();
  final Promise<Void> firstChunk = Promise.promise();
  volatile long responseDelayMillis;
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

  void kill() {
    await(server.close());
  }

  private void handle(HttpServerRequest request) {
    requests.incrementAndGet();
    long[] bytes = {0};
    request.handler(chunk -> {
      bytes[0] += chunk.length();
      firstChunk.tryComplete();
    });
    request.exceptionHandler(error -> resets.incrementAndGet());
    request.endHandler(v -> {
      completedBodies.incrementAndGet();
      Runnable answer = () -> request.response()
          .putHeader("content-type", "text/plain")
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
          .end("bytes=" + bytes[0]);
      if (responseDelayMillis > 0) {
        vertx.setTimer(responseDelayMillis, id -> answer.run());
      } else {
        answer.run();
      }
    });
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
