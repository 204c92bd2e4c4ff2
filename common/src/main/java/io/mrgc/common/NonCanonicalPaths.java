package io.mrgc.common;

import io.mrgc.wire.ErrorCode;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * The refusal every MRGC HTTP server gives a request target that is not in {@link CanonicalPath canonical form}:
 * 400 {@code invalid_path} with a message saying what to fix, sent before authentication and before any body byte
 * is read. An announced body stays unread, so the connection closes after the answer.
 */
public final class NonCanonicalPaths {
  private NonCanonicalPaths() {}

  /** True when {@code request} was refused (and answered); false when its target is canonical. */
  public static boolean refused(HttpServerRequest request, String requestId) {
    String problem = CanonicalPath.problem(request.uri());
    if (problem == null) {
      return false;
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    boolean bodyAnnounced = request.headers().contains(HttpHeaders.TRANSFER_ENCODING)
        || (length != null && !"0".equals(length.trim()));
    if (bodyAnnounced) {
      request.response().putHeader(HttpHeaders.CONNECTION, "close");
    }
    ApiErrors.send(request.response(), ErrorCode.INVALID_PATH, problem, requestId, null)
        .onComplete(sent -> {
          if (bodyAnnounced) {
            request.connection().close();
          }
        });
    return true;
  }
}
