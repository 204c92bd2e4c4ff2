package io.mrgc.agent.http;

import io.mrgc.agent.wash.ServedRequest;
import io.mrgc.common.ApiErrors;
import io.mrgc.common.ApiException;
import io.mrgc.wire.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Small helpers every handler shares: request ids, JSON bodies, JSON replies and error replies. Replies go through
 * {@link ServedRequest#respond}: for the request that holds the instance they are sent after its wash.
 */
public final class Requests {
  static final String REQUEST_ID = "requestId";

  private Requests() {}

  /** The request's id (the caller's {@code x-request-id} when it is plain, else a new one). */
  public static String requestId(RoutingContext ctx) {
    return ctx.get(REQUEST_ID);
  }

  /**
   * The body as a JSON object. A declared non-JSON media type is 415; {@code requireJsonType} also refuses a
   * missing Content-Type (the OpenAI API is JSON only).
   */
  static JsonObject jsonBody(RoutingContext ctx, boolean requireJsonType) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null ? requireJsonType : !isJson(type)) {
      throw new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json");
    }
    ByteBuffer body = PooledBody.of(ctx);
    if (body == null || !body.hasRemaining()) {
      throw new ApiException(ErrorCode.INVALID_JSON, "the request body is empty; expected a JSON object");
    }
    return PooledJson.parseObject(body, "the request body must be a JSON object");
  }

  private static boolean isJson(String contentType) {
    String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return mediaType.equals("application/json") || (mediaType.startsWith("application/") && mediaType.endsWith("+json"));
  }

  /** Serves one inference call: through the enclave for an envelope, else on the plain JSON body. */
  static void serve(RoutingContext ctx, Envelopes envelopes, InferenceCall call, boolean requireJsonType) {
    if (Envelopes.isEnvelope(ctx)) {
      envelopes.serve(ctx, call);
      return;
    }
    call.call(ctx, jsonBody(ctx, requireJsonType))
        .onSuccess(reply -> sendJson(ctx, 200, reply))
        .onFailure(failure -> sendError(ctx, failure));
  }

  static void sendJson(RoutingContext ctx, int status, Object body) {
    ServedRequest.respond(ctx, null, () -> {
      if (ctx.response().ended() || ctx.response().closed()) {
        return;
      }
      String encoded = body instanceof JsonObject json ? json.encode() : body.toString();
      ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(encoded);
    });
  }

  static void sendError(RoutingContext ctx, Throwable failure) {
    Throwable cause = unwrap(failure);
    ServedRequest.respond(ctx, cause, () -> ApiErrors.send(ctx.response(), cause, requestId(ctx)));
  }

  static Throwable unwrap(Throwable failure) {
    Throwable current = failure;
    while (current instanceof CompletionException && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  /** Brings a worker's result back onto the request's event loop. */
  static <T> Future<T> onContext(RoutingContext ctx, CompletableFuture<T> stage) {
    return Future.fromCompletionStage(stage, ctx.vertx().getOrCreateContext());
  }
}
