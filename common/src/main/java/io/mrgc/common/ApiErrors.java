package io.mrgc.common;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** Writes the one error shape every MRGC HTTP service returns: {@code {"error": {"code", "message", "requestId"}}}. */
public final class ApiErrors {
  private ApiErrors() {}

  public static JsonObject body(String code, String message, String requestId) {
    JsonObject error = new JsonObject().put("code", code).put("message", message);
    if (requestId != null) {
      error.put("requestId", requestId);
    }
    return new JsonObject().put("error", error);
  }

  /** Sends {@code failure} (an {@link ApiException}, or anything else as a 500 without internal detail). */
  public static Future<Void> send(HttpServerResponse response, Throwable failure, String requestId) {
    ApiException api = failure instanceof ApiException e
        ? e : new ApiException(500, "internal_error", "internal error; quote the request id when reporting it");
    return send(response, api.status(), api.code(), api.getMessage(), requestId, api.retryAfterSeconds());
  }

  public static Future<Void> send(HttpServerResponse response, int status, String code, String message,
      String requestId, Integer retryAfterSeconds) {
    if (response.headWritten() || response.ended() || response.closed()) {
      return Future.succeededFuture();
    }
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (requestId != null) {
      response.putHeader(RequestIds.HEADER, requestId);
    }
    if (retryAfterSeconds != null) {
      response.putHeader(HttpHeaders.RETRY_AFTER, Integer.toString(retryAfterSeconds));
    }
    return response.end(body(code, message, requestId).encode());
  }
}
