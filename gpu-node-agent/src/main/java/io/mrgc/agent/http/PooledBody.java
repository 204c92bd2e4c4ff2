package io.mrgc.agent.http;

import io.mrgc.agent.wash.ServedRequest;
import io.mrgc.common.ApiException;
import io.mrgc.common.peer.PeerAuthException;
import io.mrgc.wire.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;

/**
 * Reads the body of the request that holds the instance into its pool buffers, up to {@code maxBytes}: a larger
 * declared or streamed body fails with 413 {@code body_too_large} and the rest is never read. Runs after the gate,
 * which paused the request until it took the instance.
 */
final class PooledBody implements Handler<RoutingContext> {
  private static final String KEY = "mrgc.body";
  private static final int UNKNOWN_LENGTH_START = 16 * 1024;

  private final int maxBytes;

  PooledBody(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** The body read for {@code ctx} (position 0 to its end), or null. */
  static ByteBuffer of(RoutingContext ctx) {
    return ctx.get(KEY);
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    long declared = declaredLength(request);
    if (declared > maxBytes) {
      ctx.fail(tooLarge());
      return;
    }
    PooledBytes body = new PooledBytes(ServedRequest.of(ctx).buffers(),
        declared >= 0 ? (int) declared : UNKNOWN_LENGTH_START);
    boolean[] failed = {false};
    request.handler(chunk -> {
      if (failed[0]) {
        return;
      }
      if ((long) body.size() + chunk.length() > maxBytes) {
        failed[0] = true;
        ctx.fail(tooLarge());
        return;
      }
      body.write(chunk);
    });
    request.exceptionHandler(error -> {
      if (!failed[0]) {
        failed[0] = true;
        ctx.fail(error);
      }
    });
    request.endHandler(end -> {
      if (!failed[0]) {
        ByteBuffer bytes = body.bytes();
        if (!PeerCheck.bodyMatches(ctx, bytes)) { // before anything reads it: nothing decrypted or run
          ctx.fail(new PeerAuthException("the body is not the one the router signed"));
          return;
        }
        ctx.put(KEY, bytes);
        ctx.next();
      }
    });
    request.resume();
  }

  private static long declaredLength(HttpServerRequest request) {
    String value = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    try {
      return value == null ? -1 : Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static ApiException tooLarge() {
    return new ApiException(ErrorCode.BODY_TOO_LARGE, "the request body is larger than the limit");
  }
}
