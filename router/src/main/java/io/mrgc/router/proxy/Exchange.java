package io.mrgc.router.proxy;

import io.mrgc.common.ApiErrors;
import io.mrgc.common.peer.PeerAuth;
import io.mrgc.router.metrics.RouterMetrics;
import io.mrgc.router.pick.InstanceHolds;
import io.mrgc.router.pick.Picker;
import io.mrgc.router.snapshot.RegionSnapshot;
import io.mrgc.wire.ErrorCode;
import io.mrgc.wire.Headers;
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
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * One proxied request: answer it at once, body unread, when it names a model that no instance of the region
 * advertises ({@link UnservedModel}); else buffer its whole body (bounded in size, time and the tenant's and router's
 * buffer budgets), then pick an instance with room for the tenant (or wait in the {@link DispatchQueue} for one),
 * connect (retried once elsewhere on a connect failure), send the head with {@code Expect: 100-continue} and the
 * buffered body's Content-Length, send the body once the instance said {@code 100 Continue} (or retry elsewhere, with
 * the same buffer, when it refused), stream the response down, and record what the instance said about its state
 * after the request. No instance is picked before the body is complete, so a client that drips its body holds only
 * its buffer, never an instance's slot (each instance serves one tenant at a time, up to its batch slots of that
 * tenant's requests). Runs on the router's event loop, so its fields need no locking.
 */
final class Exchange implements DispatchQueue.Waiter {
  /** The first attempt plus one retry on a different instance, for connect failures (nothing sent yet). */
  static final int MAX_CONNECT_ATTEMPTS = 2;
  /** Retry-After for 503 no_capacity: about the time the autoscaler's new instances take to show up is longer,
   * but a client retrying soon may land on another router or region. */
  static final int NO_CAPACITY_RETRY_AFTER_SECONDS = 2;
  /** Retry-After of 429 body_buffer_full and 503 router_busy: buffers drain as fast as bodies arrive. */
  static final int BUFFER_FULL_RETRY_AFTER_SECONDS = 1;
  /** Largest first allocation of a body buffer: a declared length is reserved, not allocated up front. */
  private static final int MAX_INITIAL_BUFFER_BYTES = 64 * 1024;
  /** nginx's convention for "the client closed the connection before the answer", used only in metrics. */
  static final int CLIENT_CLOSED = 499;

  /**
   * The API key stays at the router; tenant and model are set by the router from what it checked; Expect is the
   * router's own (the client's is answered by the router, from the instance's 100 Continue).
   */
  private static final Set<String> NOT_FORWARDED_UP = Set.of("host", "content-length", "expect", Headers.REQUEST_ID,
      "authorization", Headers.API_KEY, Headers.TENANT, Headers.MODEL, Headers.PEER_AUTH);
  /** The instance's state and wash report are for the router only. */
  private static final Set<String> NOT_FORWARDED_DOWN = Set.of("content-length", Headers.REQUEST_ID,
      Headers.REGION, Headers.INSTANCE, Headers.INSTANCE_STATE, Headers.WASH, Headers.WASH_MS, Headers.PEER_AUTH);

  private final ProxyHandler proxy;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final String requestId;
  private final String model;
  private final String tenantId;
  /** The tenant's debug_headers flag: only then does x-mrgc-instance reach it. */
  private final boolean debugHeaders;
  private final long startNanos = System.nanoTime();
  private final boolean hasBody;
  /** The whole body once {@link #bodyComplete}; null when there is none, and again once released. */
  private Buffer body;
  private boolean bodyComplete;
  /** Bytes reserved in the {@link BodyBudget} for this request's body (given back in {@link #releaseBody()}). */
  private long reserved;
  /** The body deadline's timer (0: none running). */
  private long bodyTimer;
  /** Instances this request could not connect to: excluded from its later picks. */
  private final Set<String> unreachable = new HashSet<>();
  /** Refusals that count against the request's allowance (instances not ready: at most one per instance). */
  private int refusals;
  /**
   * When the first {@link Refusal#OVERLOADED} came (0: none): an instance full with another router's requests is
   * busy, not unready, so those refusals are bounded in time ({@code dispatchQueueTimeout}), not in number.
   */
  private long firstOverloadNanos;
  private boolean queued;
  private boolean done;
  // The current attempt, reset by dispatch():
  private Picker.Pick pick;
  private HttpClientRequest upstream;
  /** The head went out: the instance may be busy with this request, then washing after it. */
  private boolean sent;
  /** The instance answered 100 Continue: the body may go. */
  private boolean continued;
  /** The timer of the wait for the instance's first answer to the head (0: none running). */
  private long continueTimer;
  /** {@code x-mrgc-instance-state} of the instance's final response (null = not said). */
  private String instanceState;
  private boolean responseEnded;
  private boolean upstreamAborted;
  private long dispatchNanos;
  private long bodyBytes;
  /** The current attempt's signature (null: peer authentication off), to check the answer against. */
  private PeerAuth.Signed signed;

  Exchange(ProxyHandler proxy, HttpServerRequest request, String requestId, String model, String tenantId,
      boolean debugHeaders) {
    this.proxy = proxy;
    this.request = request;
    this.response = request.response();
    this.requestId = requestId;
    this.model = model;
    this.tenantId = tenantId;
    this.debugHeaders = debugHeaders;
    String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    this.hasBody = (contentLength != null && !"0".equals(contentLength.trim())) || isChunked(request);
  }

  void start() {
    response.closeHandler(v -> clientGone());
    response.exceptionHandler(error -> clientGone());
    // Before the body: a request for a model the region cannot serve now is answered with its body unread.
    UnservedModel unserved = UnservedModel.of(model, proxy.snapshot().backends(), proxy.modelCatalog(),
        proxy.options().region());
    if (unserved != null) {
      fail(unserved.code(), unserved.message(), unserved.retryAfterSeconds());
      return;
    }
    long declared = declaredLength();
    if (declared > proxy.options().maxBodyBytes()) {
      fail(ErrorCode.BODY_TOO_LARGE, "request body of " + declared + " bytes is over the limit of "
          + proxy.options().maxBodyBytes() + " bytes", null);
      return;
    }
    if (declared == -2) {
      fail(ErrorCode.INVALID_REQUEST, "Content-Length must be a non-negative integer", null);
      return;
    }
    if (!hasBody) {
      bodyComplete = true;
      attempt();
      return;
    }
    if (declared > 0 && !reserve(declared)) {
      return;
    }
    readBody(declared);
  }

  /**
   * Reads the whole body into memory before anything else happens, within {@code bodyTimeout} (408
   * {@code body_timeout} after it, the connection closed). Only then is an instance picked.
   */
  private void readBody(long declared) {
    body = Buffer.buffer((int) Math.max(0, Math.min(declared, MAX_INITIAL_BUFFER_BYTES)));
    long timeout = proxy.options().ingress().bodyTimeout().toMillis();
    bodyTimer = proxy.vertx().setTimer(timeout, id -> {
      bodyTimer = 0;
      proxy.metrics().bodyTimeout();
      fail(ErrorCode.BODY_TIMEOUT, "the request body did not arrive within " + timeout + " ms; send the whole body "
          + "without pauses", null);
    });
    request.handler(this::onBodyChunk);
    request.exceptionHandler(error -> clientGone());
    request.endHandler(v -> bodyArrived());
    if (clientExpectsContinue()) {
      response.writeContinue(); // the router takes the body itself, whatever instance it goes to later
    }
    request.resume();
  }

  private void onBodyChunk(Buffer chunk) {
    if (done) {
      return;
    }
    long length = (long) body.length() + chunk.length();
    if (length > proxy.options().maxBodyBytes()) {
      fail(ErrorCode.BODY_TOO_LARGE, "request body is over the limit of " + proxy.options().maxBodyBytes()
          + " bytes", null);
      return;
    }
    // A chunked body (or one longer than declared) is counted chunk by chunk as it arrives.
    if (length > reserved && !reserve(length - reserved)) {
      return;
    }
    body.appendBuffer(chunk);
  }

  private void bodyArrived() {
    if (done) {
      return;
    }
    cancelBodyTimer();
    bodyComplete = true;
    attempt();
  }

  /** Reserves buffer bytes for the body; when a budget is spent, answers 429 or 503 and returns false. */
  private boolean reserve(long bytes) {
    BodyBudget budget = proxy.bodyBudget();
    switch (budget.reserve(tenantId, bytes)) {
      case RESERVED -> {
        reserved += bytes;
        return true;
      }
      case TENANT_FULL -> fail(ErrorCode.BODY_BUFFER_FULL, "tenant " + tenantId + " already has request bodies of "
          + budget.buffered(tenantId) + " bytes on their way in, and may have at most " + budget.tenantLimit()
          + " bytes at once; send bodies promptly or fewer at once", BUFFER_FULL_RETRY_AFTER_SECONDS);
      case ROUTER_FULL -> fail(ErrorCode.ROUTER_BUSY, "the router of region " + proxy.options().region()
          + " is receiving as many request bodies as it can hold; retry shortly", BUFFER_FULL_RETRY_AFTER_SECONDS);
    }
    return false;
  }

  /** Gives the body's buffer and its reservation back, once: after it went to an instance, or at the end. */
  private void releaseBody() {
    cancelBodyTimer();
    body = null;
    if (reserved > 0) {
      proxy.bodyBudget().release(tenantId, reserved);
      reserved = 0;
    }
  }

  private void cancelBodyTimer() {
    if (bodyTimer != 0) {
      proxy.vertx().cancelTimer(bodyTimer);
      bodyTimer = 0;
    }
  }

  /**
   * Dispatches to an instance with room for the tenant, or waits for one. A new arrival need not queue behind earlier
   * waiters: every dispatch end and every snapshot drains the queue at once, so room free now is room none of them
   * can use (and while other tenants wait, the picker bounds this tenant's turn so that they get instances).
   */
  private void attempt() {
    if (tryDispatch()) {
      return;
    }
    int alreadyWaiting = proxy.queue().size();
    if (proxy.queue().offer(this)) {
      queued = true;
      return;
    }
    proxy.metrics().queueRejected("full");
    noCapacity("every instance of region " + proxy.options().region() + " that can serve the request is busy and "
        + alreadyWaiting + " requests are already waiting");
  }

  /** Dispatches if an instance is free, or answers when there is none to wait for; false = all busy, wait. */
  private boolean tryDispatch() {
    RegionSnapshot snapshot = proxy.snapshot();
    Picker.Choice choice = proxy.picker().choose(snapshot.backends(), snapshot.fetchedAtMillis(), model, tenantId,
        proxy.queue().otherTenantsWait(tenantId, model), unreachable);
    if (choice.pick() != null) {
      dispatch(choice.pick());
    } else if (choice.busy()) {
      return false;
    } else if (unreachable.isEmpty()) {
      noCapacity("region " + proxy.options().region() + " has no instance to serve the request");
    } else {
      fail(ErrorCode.UPSTREAM_UNAVAILABLE, "no instance of region " + proxy.options().region()
          + " could be reached", null);
    }
    return true;
  }

  @Override
  public boolean retry() {
    if (done) {
      return true;
    }
    queued = false;
    if (tryDispatch()) {
      return !queued; // a connect failure reported at once may have put it back in line already
    }
    queued = true;
    return false;
  }

  @Override
  public Object busyKey() {
    if (!unreachable.isEmpty()) {
      return null;
    }
    return DispatchQueue.busyKey(model, tenantId);
  }

  @Override
  public String tenantId() {
    return tenantId;
  }

  @Override
  public String model() {
    return model;
  }

  @Override
  public void timedOut(long waitedMillis) {
    queued = false;
    proxy.metrics().queueRejected("timeout");
    noCapacity("every instance of region " + proxy.options().region() + " that can serve the request stayed busy;"
        + " the request waited " + waitedMillis + " ms");
  }

  private void dispatch(Picker.Pick chosen) {
    pick = chosen;
    upstream = null;
    sent = false;
    continued = false;
    instanceState = null;
    responseEnded = false;
    upstreamAborted = false;
    String instanceId = chosen.backend().instanceId();
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
      if (done) { // the client left while we were connecting; finish() ended the dispatch, nothing was sent
        if (connected.succeeded()) {
          connected.result().reset();
        }
        return;
      }
      if (connected.failed()) {
        connectFailed();
      } else {
        forward(connected.result());
      }
    });
  }

  /** Nothing was sent: the instance is ejected and the request goes once to a different one. */
  private void connectFailed() {
    leaveUnreachable(RouterMetrics.RETRY_CONNECT_FAILED, ErrorCode.UPSTREAM_UNAVAILABLE, "no instance of region " + proxy.options().region()
        + " could be reached");
  }

  /**
   * Ends the dispatch to an instance that got nothing of the body, ejects it and sends the request to a different
   * one, or, after {@link #MAX_CONNECT_ATTEMPTS} such instances, fails it with {@code code}.
   */
  private void leaveUnreachable(String retryReason, ErrorCode code, String message) {
    String instanceId = pick.backend().instanceId();
    endDispatch();
    proxy.outliers().connectFailed(instanceId);
    unreachable.add(instanceId);
    if (unreachable.size() < MAX_CONNECT_ATTEMPTS) {
      proxy.metrics().retry(retryReason);
      attempt();
    } else {
      fail(code, message, null);
    }
  }

  private void forward(HttpClientRequest up) {
    upstream = up;
    HopByHop.copyEndToEnd(request.headers(), up.headers(), NOT_FORWARDED_UP);
    up.putHeader(Headers.REQUEST_ID, requestId);
    up.putHeader(Headers.TENANT, tenantId);
    if (model != null) {
      up.putHeader(Headers.MODEL, model);
    }
    int bodyLength = body == null ? 0 : body.length();
    if (hasBody || request.getHeader(HttpHeaders.CONTENT_LENGTH) != null) {
      up.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(bodyLength));
    }
    // The agent trusts the tenant, model and body above only under the deployment's HMAC (finding 4 of issue 10);
    // the whole body is here before the dispatch, so its digest is signed too.
    signed = proxy.peerAuth() == null ? null : bodyLength == 0
        ? proxy.peerAuth().sign(up.headers(), up.getMethod().name(), up.getURI())
        : proxy.peerAuth().sign(up.headers(), up.getMethod().name(), up.getURI(), bodyView());
    up.exceptionHandler(error -> {}); // failures arrive through response()
    up.response().onComplete(result -> onResponse(up, result));
    sent = true;
    if (bodyLength > 0) {
      // The body goes only once the instance lets the request in (its tenant's turn): one that takes no requests
      // (an instance-level wash, quarantined, draining) answers a final 503 instead, having read nothing, so the
      // request can still go elsewhere.
      up.putHeader(HttpHeaders.EXPECT, HttpHeaders.CONTINUE);
      up.continueHandler(v -> onContinue(up));
      up.sendHead();
      long wait = Math.min(proxy.options().continueTimeout().toMillis(), proxy.options().requestTimeout().toMillis());
      continueTimer = proxy.vertx().setTimer(wait, id -> noAnswerToHead(up, wait));
    } else {
      up.end();
    }
  }

  /** The buffered body as a read-only view (no copy of up to 2 MiB per attempt just to hash it). */
  private ByteBuffer bodyView() {
    return ((BufferInternal) body).getByteBuf().nioBuffer().asReadOnlyBuffer();
  }

  private void onContinue(HttpClientRequest up) {
    if (done || up != upstream) {
      return;
    }
    cancelContinueTimer();
    continued = true;
    up.end(body);
    releaseBody(); // past 100 Continue no other instance can get this request
  }

  /**
   * The instance neither took nor refused the request in time: a live agent answers a head at once, so it is taken
   * for hung. Only the head went out (no body byte), so the connection is reset, the instance ejected like one that
   * cannot be connected to, and the request goes once to another instance.
   */
  private void noAnswerToHead(HttpClientRequest up, long waitedMillis) {
    continueTimer = 0;
    if (done || up != upstream || continued) {
      return;
    }
    String instanceId = pick.backend().instanceId();
    up.exceptionHandler(error -> {});
    upstreamAborted = true; // our own reset: its failure is not the instance's answer
    up.reset();
    upstream = null;
    proxy.metrics().noAnswerToHead(instanceId);
    leaveUnreachable(RouterMetrics.RETRY_UNANSWERED_HEAD, ErrorCode.UPSTREAM_TIMEOUT, "instance " + instanceId + " did not take the request within "
        + waitedMillis + " ms");
  }

  private void cancelContinueTimer() {
    if (continueTimer != 0) {
      proxy.vertx().cancelTimer(continueTimer);
      continueTimer = 0;
    }
  }

  private void onResponse(HttpClientRequest upRequest, AsyncResult<HttpClientResponse> result) {
    if (done || upRequest != upstream || (result.failed() && upstreamAborted)) {
      return; // answered already, an earlier attempt, or the failure is our own reset (body too large, client gone)
    }
    cancelContinueTimer();
    String instanceId = pick.backend().instanceId();
    if (result.failed()) {
      upstreamAborted = true;
      proxy.outliers().failed(instanceId);
      if (result.cause() instanceof TimeoutException) {
        fail(ErrorCode.UPSTREAM_TIMEOUT, "instance " + instanceId + " did not answer within "
            + proxy.options().requestTimeout().toMillis() + " ms", null);
      } else {
        fail(ErrorCode.UPSTREAM_FAILED, "instance " + instanceId + " failed before answering", null);
      }
      return;
    }
    HttpClientResponse up = result.result();
    if (signed != null && !proxy.peerAuth().verifyResponse(signed, up.statusCode(), up.headers())) {
      unauthenticatedAnswer(upRequest, instanceId);
      return;
    }
    instanceState = up.getHeader(Headers.INSTANCE_STATE);
    Refusal refusal = refusal(up);
    if (refusal != null) {
      refused(upRequest, up, refusal);
      return;
    }
    proxy.metrics().upstreamLatency(System.nanoTime() - dispatchNanos);
    if (up.statusCode() >= 500) {
      proxy.outliers().failed(instanceId);
    } else {
      proxy.outliers().succeeded(instanceId);
    }
    // A final answer before 100 Continue: the instance still expects the body announced on its connection.
    boolean bodyNeverSent = body != null && body.length() > 0 && !continued;
    response.setStatusCode(up.statusCode());
    if (up.statusMessage() != null) {
      response.setStatusMessage(up.statusMessage());
    }
    HopByHop.copyEndToEnd(up.headers(), response.headers(), NOT_FORWARDED_DOWN);
    String contentLength = up.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (contentLength != null) {
      response.putHeader(HttpHeaders.CONTENT_LENGTH, contentLength);
    } else if (mayHaveBody(up.statusCode()) && request.version() != HttpVersion.HTTP_1_0) {
      response.setChunked(true);
    }
    response.putHeader(Headers.REQUEST_ID, requestId)
        .putHeader(Headers.REGION, proxy.options().region());
    if (debugHeaders) {
      response.putHeader(Headers.INSTANCE, instanceId);
    }
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
      responseEnded = true;
      if (bodyNeverSent) {
        upRequest.connection().close(); // the instance still expects the body: never reuse this connection
      }
      if (finish(status)) {
        response.end();
      }
    });
  }

  /** The answer is not signed by an agent of this deployment (an impostor on its address, or a key mismatch). */
  private void unauthenticatedAnswer(HttpClientRequest upRequest, String instanceId) {
    upstreamAborted = true;
    upRequest.reset();
    proxy.outliers().failed(instanceId);
    fail(ErrorCode.UPSTREAM_UNAUTHENTICATED, "instance " + instanceId + " did not prove it is an agent of this "
        + "deployment", null);
  }

  /**
   * A refusal, before the body went (for a request without a body, only on safe methods, which may be sent again
   * whatever the instance did with them): a final 503 carrying a state other than READY ({@link Refusal#NOT_READY}),
   * or a 429 ({@link Refusal#OVERLOADED}: the agent's admission bound is full, which with this router's
   * tenant-exclusive dispatch means other routers' requests fill it). Null when the answer is no refusal.
   */
  private Refusal refusal(HttpClientResponse up) {
    boolean nothingSent = body != null && body.length() > 0 ? !continued : request.method() == HttpMethod.GET
        || request.method() == HttpMethod.HEAD || request.method() == HttpMethod.OPTIONS;
    if (!nothingSent) {
      return null;
    }
    if (up.statusCode() == 503 && !InstanceHolds.isReady(instanceState)) {
      return Refusal.NOT_READY;
    }
    return up.statusCode() == 429 ? Refusal.OVERLOADED : null;
  }

  /**
   * The instance refused before reading the body (not READY: its wash, a quarantine; or full with another router's
   * requests): hold it, do not eject it, and send the request elsewhere (or wait for an instance). Not-ready
   * refusals are allowed once per instance of the snapshot; overloaded ones for {@code dispatchQueueTimeout} from
   * the first, since another router's requests end soon and the instance comes back.
   */
  private void refused(HttpClientRequest upRequest, HttpClientResponse up, Refusal refusal) {
    String instanceId = pick.backend().instanceId();
    up.exceptionHandler(error -> {});
    // The instance may still expect the body this connection announced; a refusal is rare, a new connection cheap.
    upRequest.connection().close();
    upstream = null;
    proxy.metrics().refusal(instanceId, refusal.tag());
    if (refusal == Refusal.OVERLOADED) {
      instanceState = Refusal.OVERLOADED_HOLD_STATE; // the hold's reason: busy elsewhere
    }
    endDispatch();
    String giveUp = refusal == Refusal.OVERLOADED ? overloadedTooLong() : notReadyTooOften();
    if (giveUp != null) {
      noCapacity(giveUp);
    } else {
      proxy.metrics().retry(refusal.tag());
      attempt();
    }
  }

  /** Counts a not-ready refusal; the message to give up with once every instance of the snapshot refused, else null. */
  private String notReadyTooOften() {
    refusals++;
    long instances = proxy.snapshot().backends().stream().filter(backend -> backend.serves(model)).count();
    return refusals < instances ? null : "instances of region " + proxy.options().region() + " refused the request "
        + refusals + " times: none is ready";
  }

  /** The message to give up with once overloaded refusals went on for {@code dispatchQueueTimeout}, else null. */
  private String overloadedTooLong() {
    long now = System.nanoTime();
    if (firstOverloadNanos == 0) {
      firstOverloadNanos = now;
    }
    long waitedMillis = (now - firstOverloadNanos) / 1_000_000;
    return waitedMillis < proxy.options().dispatchQueueTimeout().toMillis() ? null : "instances of region "
        + proxy.options().region() + " stayed full with other routers' requests; the request was refused for "
        + waitedMillis + " ms";
  }

  private void clientGone() {
    if (done) {
      return;
    }
    abortUpstream();
    finish(CLIENT_CLOSED, "client_closed");
  }

  private void abortUpstream() {
    if (!upstreamAborted) {
      upstreamAborted = true;
      if (upstream != null) {
        upstream.reset();
      }
    }
  }

  private void noCapacity(String message) {
    fail(ErrorCode.NO_CAPACITY, message, NO_CAPACITY_RETRY_AFTER_SECONDS);
  }

  /** Answers with the JSON error; after the head went out, resets instead. */
  private void fail(ErrorCode code, String message, Integer retryAfterSeconds) {
    if (!finish(code.status(), code.code())) {
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
    ApiErrors.send(response, code, message, requestId, retryAfterSeconds).onComplete(sent -> {
      if (bodyLeftUnread) {
        // The rest of the body would be read as the next request on a kept-alive connection: close it.
        request.connection().close();
      }
    });
  }

  /** Ends the exchange's accounting once; false if it had already ended. */
  private boolean finish(int status) {
    return finish(status, null);
  }

  /**
   * Ends the exchange's accounting once; false if it had already ended. A request that ends before its body was
   * complete never reached an instance and says nothing about the region's capacity or health (a slow, oversized
   * or abandoned body, a spent buffer budget): it is counted as a rejection ({@code code}), like the tenant gate's,
   * and kept out of the metrics-table window that sizes capacity and feeds failover. Otherwise a tenant dripping
   * bodies would push the region's p99 to the body deadline and get it marked degraded.
   */
  private boolean finish(int status, String code) {
    if (done) {
      return false;
    }
    done = true;
    cancelContinueTimer();
    releaseBody();
    if (queued) {
      queued = false;
      proxy.queue().remove(this);
    }
    endDispatch();
    if (bodyComplete || code == null) {
      proxy.metrics().request(status, System.nanoTime() - startNanos);
    } else {
      proxy.metrics().rejected(code, status, System.nanoTime() - startNanos);
    }
    return true;
  }

  /**
   * Ends the current dispatch, once. If the request reached the instance, what it said comes first: READY at the
   * end of a complete response frees it; anything else, or a state left unknown by a failure or a cut-off, holds it.
   * In that order, so the waiters that the end wakes never see an instance free while it washes.
   */
  private void endDispatch() {
    if (pick == null) {
      return;
    }
    Picker.Pick ended = pick;
    pick = null;
    String instanceId = ended.backend().instanceId();
    if (sent && !(responseEnded && InstanceHolds.isReady(instanceState))) {
      proxy.holds().hold(instanceId);
      proxy.metrics().hold(InstanceHolds.reason(instanceState));
    }
    ended.dispatch().end();
  }

  private boolean clientExpectsContinue() {
    String expect = request.getHeader(HttpHeaders.EXPECT);
    return expect != null && expect.trim().equalsIgnoreCase("100-continue");
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
