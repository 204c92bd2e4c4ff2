package io.mrgc.router.proxy;

import io.mrgc.common.ApiErrors;
import io.mrgc.common.RequestIds;
import io.mrgc.router.pick.Picker;
import io.mrgc.router.snapshot.RegionSnapshot;
import io.vertx.core.AsyncResult;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * One proxied request: pick, connect (retried once elsewhere on a connect failure), stream the body up, stream the
 * response down. Runs on the server connection's event loop, so its fields need no locking.
 */
final class Exchange {
  /** The first attempt plus one retry on a different instance, only for connect failures (nothing sent yet). */
  static final int MAX_ATTEMPTS = 2;
  /** Retry-After for 503 no_capacity: about the time the autoscaler's new instances take to show up is longer,
   * but a client retrying soon may land on another router or region. */
  static final int NO_CAPACITY_RETRY_AFTER_SECONDS = 2;
  /** nginx's convention for "the client closed the connection before the answer", used only in metrics. */
  static final int CLIENT_CLOSED = 499;

  /** The API key stays at the router; tenant and model are set by the router from what it checked. */
  private static final Set<String> NOT_FORWARDED_UP = Set.of("host", "content-length", RequestIds.HEADER,
      "authorization", Headers.API_KEY, Headers.TENANT, Headers.MODEL);
  private static final Set<String> NOT_FORWARDED_DOWN = Set.of("content-length", RequestIds.HEADER,
      Headers.REGION, Headers.INSTANCE);

  private final ProxyHandler proxy;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final String requestId;
  private final String model;
  private final String tenantId;
  private final long startNanos = System.nanoTime();
  private final Set<String> tried = new HashSet<>();
  private final boolean hasBody;
  private Picker.Pick pick;
  private HttpClientRequest upstream;
  private boolean upstreamAborted;
  private long dispatchNanos;
  private long bodyBytes;
  private boolean done;

  Exchange(ProxyHandler proxy, HttpServerRequest request, String requestId, String model, String tenantId) {
    this.proxy = proxy;
    this.request = request;
    this.response = request.response();
    this.requestId = requestId;
    this.model = model;
    this.tenantId = tenantId;
    String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    this.hasBody = (contentLength != null && !"0".equals(contentLength.trim())) || isChunked(request);
  }

  void start() {
    response.closeHandler(v -> clientGone());
    response.exceptionHandler(error -> clientGone());
    long declared = declaredLength();
    if (declared > proxy.options().maxBodyBytes()) {
      fail(413, "body_too_large", "request body of " + declared + " bytes is over the limit of "
          + proxy.options().maxBodyBytes() + " bytes", null);
      return;
    }
    if (declared == -2) {
      fail(400, "invalid_request", "Content-Length must be a non-negative integer", null);
      return;
    }
    attempt();
  }

  private void attempt() {
    RegionSnapshot snapshot = proxy.snapshot();
    Picker.Pick chosen = proxy.picker().pick(snapshot.backends(), snapshot.fetchedAtMillis(), model, tried);
    if (chosen == null) {
      if (tried.isEmpty()) {
        fail(503, "no_capacity", "region " + proxy.options().region() + " has no instance to serve the request",
            NO_CAPACITY_RETRY_AFTER_SECONDS);
      } else {
        fail(502, "upstream_unavailable", "no instance of region " + proxy.options().region()
            + " could be reached", null);
      }
      return;
    }
    pick = chosen;
    String instanceId = chosen.backend().instanceId();
    tried.add(instanceId);
    proxy.metrics().dispatch(instanceId);
    if (chosen.failOpen()) {
      proxy.metrics().failOpen();
    }
    dispatchNanos = System.nanoTime();
    RequestOptions options = new RequestOptions()
        .setMethod(request.method())
        .setHost(chosen.backend().host())
        .setPort(chosen.backend().port())
        .setURI(request.uri())
        .setConnectTimeout(proxy.options().connectTimeout().toMillis())
        .setIdleTimeout(proxy.options().requestTimeout().toMillis());
    proxy.client().request(options).onComplete(connected -> {
      if (done) { // the client left while we were connecting
        chosen.dispatch().end();
        if (connected.succeeded()) {
          connected.result().reset();
        }
        return;
      }
      if (connected.failed()) {
        connectFailed(chosen);
      } else {
        forward(connected.result());
      }
    });
  }

  /** Nothing was sent: the instance is ejected and the request goes once to a different one. */
  private void connectFailed(Picker.Pick failed) {
    failed.dispatch().end();
    proxy.outliers().connectFailed(failed.backend().instanceId());
    if (tried.size() < MAX_ATTEMPTS) {
      proxy.metrics().retry();
      attempt();
    } else {
      fail(502, "upstream_unavailable", "no instance of region " + proxy.options().region()
          + " could be reached", null);
    }
  }

  private void forward(HttpClientRequest up) {
    upstream = up;
    Headers.copyEndToEnd(request.headers(), up.headers(), NOT_FORWARDED_UP);
    up.putHeader(RequestIds.HEADER, requestId);
    up.putHeader(Headers.TENANT, tenantId);
    if (model != null) {
      up.putHeader(Headers.MODEL, model);
    }
    String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (contentLength != null) {
      up.putHeader(HttpHeaders.CONTENT_LENGTH, contentLength.trim());
    } else if (isChunked(request)) {
      up.setChunked(true);
    }
    up.exceptionHandler(error -> {}); // failures arrive through response()
    up.response().onComplete(this::onResponse);
    request.handler(this::onBodyChunk);
    request.exceptionHandler(error -> clientGone());
    request.endHandler(v -> {
      if (!upstreamAborted) {
        up.end();
      }
    });
    request.resume();
  }

  private void onBodyChunk(Buffer chunk) {
    if (upstreamAborted) {
      return;
    }
    bodyBytes += chunk.length();
    if (bodyBytes > proxy.options().maxBodyBytes()) {
      abortUpstream();
      fail(413, "body_too_large", "request body is over the limit of " + proxy.options().maxBodyBytes()
          + " bytes", null);
      return;
    }
    upstream.write(chunk);
    if (upstream.writeQueueFull()) {
      request.pause();
      upstream.drainHandler(v -> request.resume());
    }
  }

  private void onResponse(AsyncResult<HttpClientResponse> result) {
    if (done || (result.failed() && upstreamAborted)) {
      return; // answered already, or the failure is our own reset (body too large, client gone)
    }
    String instanceId = pick.backend().instanceId();
    if (result.failed()) {
      upstreamAborted = true;
      proxy.outliers().failed(instanceId);
      if (result.cause() instanceof TimeoutException) {
        fail(504, "upstream_timeout", "instance " + instanceId + " did not answer within "
            + proxy.options().requestTimeout().toMillis() + " ms", null);
      } else {
        fail(502, "upstream_failed", "instance " + instanceId + " failed before answering", null);
      }
      return;
    }
    HttpClientResponse up = result.result();
    proxy.metrics().upstreamLatency(System.nanoTime() - dispatchNanos);
    if (up.statusCode() >= 500) {
      proxy.outliers().failed(instanceId);
    } else {
      proxy.outliers().succeeded(instanceId);
    }
    response.setStatusCode(up.statusCode());
    if (up.statusMessage() != null) {
      response.setStatusMessage(up.statusMessage());
    }
    Headers.copyEndToEnd(up.headers(), response.headers(), NOT_FORWARDED_DOWN);
    String contentLength = up.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (contentLength != null) {
      response.putHeader(HttpHeaders.CONTENT_LENGTH, contentLength);
    } else if (mayHaveBody(up.statusCode()) && request.version() != HttpVersion.HTTP_1_0) {
      response.setChunked(true);
    }
    response.putHeader(RequestIds.HEADER, requestId)
        .putHeader(Headers.REGION, proxy.options().region())
        .putHeader(Headers.INSTANCE, instanceId);
    int status = up.statusCode();
    up.handler(chunk -> {
      response.write(chunk);
      if (response.writeQueueFull()) {
        up.pause();
        response.drainHandler(v -> up.resume());
      }
    });
    up.exceptionHandler(error -> {
      // The head already went out: the only honest signal left is a reset, never a clean-looking end.
      proxy.outliers().failed(instanceId);
      abortUpstream();
      response.reset();
      finish(502);
    });
    up.endHandler(v -> {
      if (finish(status)) {
        response.end();
      }
    });
  }

  private void clientGone() {
    if (done) {
      return;
    }
    abortUpstream();
    finish(CLIENT_CLOSED);
  }

  private void abortUpstream() {
    if (!upstreamAborted) {
      upstreamAborted = true;
      if (upstream != null) {
        upstream.reset();
      }
    }
  }

  /** Answers with the JSON error; after the head went out, resets instead. */
  private void fail(int status, String code, String message, Integer retryAfterSeconds) {
    if (!finish(status)) {
      return;
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    boolean bodyLeftUnread = hasBody && !request.isEnded();
    if (bodyLeftUnread) {
      // Tell the client too, so it does not reuse the connection we are about to close.
      response.putHeader(HttpHeaders.CONNECTION, "close");
    }
    ApiErrors.send(response, status, code, message, requestId, retryAfterSeconds).onComplete(sent -> {
      if (bodyLeftUnread) {
        // The rest of the body would be read as the next request on a kept-alive connection: close it.
        request.connection().close();
      }
    });
  }

  /** Ends the exchange's accounting once; false if it had already ended. */
  private boolean finish(int status) {
    if (done) {
      return false;
    }
    done = true;
    if (pick != null) {
      pick.dispatch().end();
    }
    proxy.metrics().request(status, System.nanoTime() - startNanos);
    return true;
  }

  /** The declared Content-Length, -1 when absent, -2 when malformed. */
  private long declaredLength() {
    String value = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (value == null) {
      return -1;
    }
    try {
      long length = Long.parseLong(value.trim());
      return length < 0 ? -2 : length;
    } catch (NumberFormatException e) {
      return -2;
    }
  }

  private boolean mayHaveBody(int status) {
    return request.method() != HttpMethod.HEAD && status != 204 && status != 304 && status >= 200;
  }

  private static boolean isChunked(HttpServerRequest request) {
    String encoding = request.getHeader(HttpHeaders.TRANSFER_ENCODING);
    return encoding != null && encoding.toLowerCase().contains("chunked");
  }
}
