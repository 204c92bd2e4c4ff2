package io.mrgc.agent.http;

import io.mrgc.agent.wash.InstanceGate;
import io.mrgc.agent.wash.ServedRequest;
import io.mrgc.common.ApiErrors;
import io.mrgc.common.ApiException;
import io.mrgc.common.NonCanonicalPaths;
import io.mrgc.common.RequestIds;
import io.mrgc.common.peer.PeerAuth;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.wire.ErrorCode;
import io.mrgc.wire.Headers;
import io.mrgc.state.InstanceState;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's HTTP surface: OpenAI embeddings, Open Inference Protocol v2 and Prometheus metrics. Inference routes
 * pass the {@link InstanceGate} (refusal before the body, one request at a time, the wash before the answer) and
 * then read their body into pool buffers; health, metadata and metrics are never gated. Every error, including the
 * router's own 404/405/413, leaves in the common JSON shape with the request id. A request target that is not
 * canonical is refused first (400 {@code invalid_path}, {@link NonCanonicalPaths}), as the router refuses it.
 */
public final class HttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

  private HttpApi() {}

  /** {@code enclave} may be null: such an agent serves plaintext only and refuses envelopes with 503. */
  public static Router create(Vertx vertx, ServedModels models, AgentMetrics metrics, int maxBodyBytes,
      int maxInputsPerRequest, EnclaveHandler enclave, EnclaveWatch enclaveWatch, InstanceGate gate) {
    return create(vertx, models, metrics, maxBodyBytes, maxInputsPerRequest, enclave, enclaveWatch, gate, null);
  }

  /** As above; {@code peerAuth} non-null: every request but health and metrics must carry a router signature. */
  public static Router create(Vertx vertx, ServedModels models, AgentMetrics metrics, int maxBodyBytes,
      int maxInputsPerRequest, EnclaveHandler enclave, EnclaveWatch enclaveWatch, InstanceGate gate,
      PeerAuth peerAuth) {
    Envelopes envelopes = new Envelopes(enclave, enclaveWatch);
    Router router = Router.router(vertx);
    router.route().handler(ctx -> begin(ctx, metrics));
    guardPaths(router);
    if (peerAuth != null) {
      router.route().handler(new PeerCheck(peerAuth)); // before the gate: nothing queues, decrypts or runs unsigned
    }
    PooledBody body = new PooledBody(maxBodyBytes);
    mountInference(router, route -> route.handler(gate).handler(body),
        new EmbeddingsHandler(models, maxInputsPerRequest, envelopes), new OipHandlers(models, envelopes));
    mountProbes(router, gate);
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape()));
    router.route().failureHandler(HttpApi::fail);
    router.errorHandler(404, ctx -> ApiErrors.send(ctx.response(), ErrorCode.NOT_FOUND,
        "no such endpoint: " + ctx.request().method() + " " + ctx.request().path(), Requests.requestId(ctx), null));
    router.errorHandler(405, ctx -> ApiErrors.send(ctx.response(), ErrorCode.METHOD_NOT_ALLOWED,
        ctx.request().method() + " is not allowed on " + ctx.request().path(), Requests.requestId(ctx), null));
    router.errorHandler(413, HttpApi::fail);
    router.errorHandler(500, HttpApi::fail);
    return router;
  }

  /**
   * Before the gate and every route: only canonical paths go on, exactly those the router lets through, so what
   * vertx-web routes on (its normalized path, its decoded path parameters) is the path as received.
   */
  static void guardPaths(Router router) {
    router.route().handler(ctx -> {
      if (!NonCanonicalPaths.refused(ctx.request(), Requests.requestId(ctx))) {
        ctx.next();
      }
    });
  }

  /** The inference routes (OpenAI embeddings, OIP), each behind {@code gated} (the gate and the body reader). */
  static void mountInference(Router router, UnaryOperator<Route> gated, EmbeddingsHandler embeddings,
      OipHandlers oip) {
    gated.apply(router.post("/v1/embeddings")).handler(embeddings);
    oip.mount(router, gated);
  }

  /**
   * The process probes of {@code mrgc serve agent} (as every service has): {@code /livez} answers while the process
   * does; {@code /readyz} is 200 only while the instance serves (READY, or washing), 503 while it is STARTING,
   * DRAINING (at once when a stop begins), QUARANTINED or TERMINATED. Never gated, never peer-authenticated.
   */
  static void mountProbes(Router router, InstanceGate gate) {
    router.get("/livez").handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
        .end("live\n"));
    router.get("/readyz").handler(ctx -> {
      InstanceState shown = gate.published().state();
      boolean serving = shown == InstanceState.READY || shown == InstanceState.WASHING;
      ctx.response().setStatusCode(serving ? 200 : 503).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
          .putHeader(Headers.INSTANCE_STATE, shown.name())
          .end(serving ? "ready\n" : "not ready: " + shown + "\n");
    });
  }

  private static void begin(RoutingContext ctx, AgentMetrics metrics) {
    String requestId = RequestIds.fromHeader(ctx.request().getHeader(Headers.REQUEST_ID));
    ctx.put(Requests.REQUEST_ID, requestId);
    ctx.response().putHeader(Headers.REQUEST_ID, requestId);
    String endpoint = endpointLabel(ctx.request().path());
    ctx.addEndHandler(done -> metrics.request(endpoint, ctx.response().getStatusCode()));
    ctx.next();
  }

  /** A fixed, bounded label per API rather than the raw path (paths carry model names chosen by callers). */
  private static String endpointLabel(String path) {
    if (path == null) {
      return "other";
    } else if (path.equals("/v1/embeddings")) {
      return "embeddings";
    } else if (path.startsWith("/v2/models/") && path.endsWith("/infer")) {
      return "oip_infer";
    } else if (path.startsWith("/v2")) {
      return "oip";
    } else if (path.equals("/metrics")) {
      return "metrics";
    } else if (path.equals("/livez") || path.equals("/readyz")) {
      return "probes";
    }
    return "other";
  }

  private static void fail(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    String requestId = Requests.requestId(ctx);
    if (failure == null || failure instanceof io.vertx.ext.web.handler.HttpException) {
      int status = failure == null ? ctx.statusCode() : ((io.vertx.ext.web.handler.HttpException) failure).getStatusCode();
      failure = switch (status) {
        case 413 -> new ApiException(ErrorCode.BODY_TOO_LARGE, "the request body is larger than the limit");
        case 400 -> new ApiException(ErrorCode.INVALID_REQUEST, "the request could not be read");
        case 404 -> new ApiException(ErrorCode.NOT_FOUND, "no such endpoint");
        case 405 -> new ApiException(ErrorCode.METHOD_NOT_ALLOWED, "method not allowed");
        case 415 -> new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json");
        default -> null;
      };
    }
    if (!(failure instanceof ApiException) && failure != null) {
      LOG.error("request {} failed: {}", requestId, failure.toString(), ctx.failure());
    } else if (failure == null) {
      LOG.error("request {} failed with status {}", requestId, ctx.statusCode());
    }
    if (failure instanceof ApiException api && api.status() == 413) {
      // The rest of an oversized body is not read: close after answering so the connection cannot be reused.
      ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
    }
    Throwable answer = failure == null ? new RuntimeException() : failure;
    ServedRequest.respond(ctx, answer, () -> ApiErrors.send(ctx.response(), answer, requestId));
  }
}
