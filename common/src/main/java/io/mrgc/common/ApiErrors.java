package io.mrgc.common;

import io.mrgc.wire.ErrorCode;
import io.mrgc.wire.Headers;
import io.mrgc.wire.MediaTypes;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** Writes the one error shape every MRGC HTTP service returns: {@code {"error": {"code", "message", "requestId"}}}. */
public final class ApiErrors {
  private ApiErrors() {}

  public static JsonObject body(ErrorCode code, String message, String requestId) {
    JsonObject error = new JsonObject().put("code", code.code()).put("message", message);
    if (requestId != null) {
      error.put("requestId", requestId);
    }
    return new JsonObject().put("error", error);
  }

  /** Sends {@code failure} (an {@link ApiException}, or anything else as a 500 without internal detail). */
  public static Future<Void> send(HttpServerResponse response, Throwable failure, String requestId) {
    ApiException api = failure instanceof ApiException e ? e : ApiException.internal();
    return send(response, api.errorCode(), api.getMessage(), requestId, api.retryAfterSeconds());
  }

  public static Future<Void> send(HttpServerResponse response, ErrorCode code, String message, String requestId,
      Integer retryAfterSeconds) {
    if (response.headWritten() || response.ended() || response.closed()) {
      return Future.succeededFuture();
    }
    response.setStatusCode(code.status()).putHeader(HttpHeaders.CONTENT_TYPE, MediaTypes.JSON);
    if (requestId != null) {
      response.putHeader(Headers.REQUEST_ID, requestId);
    }
    if (retryAfterSeconds != null) {
      response.putHeader(HttpHeaders.RETRY_AFTER, Integer.toString(retryAfterSeconds));
    }
    return response.end(body(code, message, requestId).encode());
  }
}
