package io.mrgc.router.security;

import io.mrgc.common.ApiErrors;
import io.mrgc.common.NonCanonicalPaths;
import io.mrgc.common.RequestIds;
import io.mrgc.router.RouterOptions;
import io.mrgc.router.metrics.RouterMetrics;
import io.mrgc.router.ppv2.ProxiedConnections;
import io.mrgc.router.ppv2.ProxyProtocolV2;
import io.mrgc.router.proxy.ProxyHandler;
import io.mrgc.router.proxy.RequestModel;
import io.mrgc.state.items.TenantItem;
import io.mrgc.wire.ErrorCode;
import io.mrgc.wire.Headers;
import io.mrgc.wire.MediaTypes;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

/**
 * Tenant security in front of the proxy, in this order: canonical path (400 {@code invalid_path}, before anything
 * else, see {@link NonCanonicalPaths}), API key (401 {@code unauthorized}, 503 {@code auth_unavailable}), VPC
 * endpoint allowlist (403 {@code vpc_endpoint_not_allowed}), rate limit (429 {@code rate_limited}), path and
 * {@code x-mrgc-model} header naming different models (400 {@code model_mismatch}), model allowlist (403
 * {@code model_not_allowed}), model known for inference (400 {@code model_required}), encrypted body (415
 * {@code encryption_required}). Then the request goes to the {@link ProxyHandler} with the authenticated tenant id,
 * which the instance receives in {@code x-mrgc-tenant}.
 *
 * <p>Unauthenticated bodies are never read: a request refused before its tenant is known (400 {@code invalid_path},
 * 401, 429 {@code auth_rate_limited}, 503 {@code auth_unavailable}) is answered with {@code Connection: close} and its
 * connection closed, body unread. A known tenant's refused body (403, 429, 400, 415) is read and dropped, at most
 * {@code maxBodyBytes} within the body deadline, so the connection can carry its next request. Failed
 * authentications are limited per source address and key prefix ({@link AuthFailures}). Never logs keys.
 */
public final class TenantGate {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TenantGate.class);
  /** Sent with every 401 (RFC 6750). */
  public static final String WWW_AUTHENTICATE = "Bearer";
  static final int AUTH_UNAVAILABLE_RETRY_AFTER_SECONDS = 1;
  /** Whether the refused request's sender is known: its body may then be read and dropped to keep the connection. */
  private enum Sender { AUTHENTICATED, UNAUTHENTICATED }

  private final RouterOptions options;
  private final TenantAuthenticator authenticator;
  private final RegionRateLimiter limiter;
  private final ProxiedConnections proxied;
  private final RouterMetrics metrics;
  private final ProxyHandler proxy;

  public TenantGate(RouterOptions options, TenantAuthenticator authenticator, RegionRateLimiter limiter,
      ProxiedConnections proxied, RouterMetrics metrics, ProxyHandler proxy) {
    this.options = options;
    this.authenticator = authenticator;
    this.limiter = limiter;
    this.proxied = proxied;
    this.metrics = metrics;
    this.proxy = proxy;
  }

  public void handle(HttpServerRequest request) {
    // Nothing of the body may be read before the request is admitted and an instance is connected.
    request.pause();
    long startNanos = System.nanoTime();
    String requestId = RequestIds.fromHeader(request.getHeader(Headers.REQUEST_ID));
    if (NonCanonicalPaths.refused(request, requestId)) { // before the key: the router never rewrites a path
      metrics.rejected(ErrorCode.INVALID_PATH.code(), ErrorCode.INVALID_PATH.status(),
          System.nanoTime() - startNanos);
      return;
    }
    String key = apiKey(request);
    if (key == null) {
      unauthorized(request, requestId, startNanos,
          "missing API key: send \"Authorization: Bearer <key>\" (or \"x-api-key: <key>\")");
      return;
    }
    authenticator.authenticate(key, sourceOf(request)).onComplete(done -> {
      TenantAuthenticator.Result result = done.succeeded() ? done.result() : TenantAuthenticator.Result.UNAVAILABLE;
      switch (result.outcome()) {
        case FOUND -> admit(request, requestId, startNanos, result.tenant());
        case UNKNOWN -> unauthorized(request, requestId, startNanos, "the API key is not valid");
        case RATE_LIMITED -> reject(request, requestId, startNanos, Sender.UNAUTHENTICATED, ErrorCode.AUTH_RATE_LIMITED,
            "too many failed authentications from this address or with this API key prefix; check the key and "
                + "retry after the Retry-After seconds", (int) Math.min(result.retryAfterSeconds(), Integer.MAX_VALUE));
        case UNAVAILABLE -> reject(request, requestId, startNanos, Sender.UNAUTHENTICATED, ErrorCode.AUTH_UNAVAILABLE,
            "the tenant directory cannot be read right now; retry shortly", AUTH_UNAVAILABLE_RETRY_AFTER_SECONDS);
      }
    });
  }

  private void admit(HttpServerRequest request, String requestId, long startNanos, TenantItem tenant) {
    String tenantId = tenant.getTenantId();
    if (!tenant.getVpcEndpointIds().isEmpty()) {
      ProxyProtocolV2.Header header = proxied.headerOf(request.connection());
      String vpce = header == null ? null : header.vpcEndpointId();
      if (vpce == null || !tenant.getVpcEndpointIds().contains(vpce)) {
        reject(request, requestId, startNanos, Sender.AUTHENTICATED, ErrorCode.VPC_ENDPOINT_NOT_ALLOWED, "tenant "
            + tenantId + " must connect through one of its PrivateLink VPC endpoints", null);
        return;
      }
    }
    double rps = tenant.getRateLimitRps() != null && tenant.getRateLimitRps() > 0
        ? tenant.getRateLimitRps() : options.defaultRateLimitRps();
    int burst = tenant.getRateLimitBurst() != null && tenant.getRateLimitBurst() > 0
        ? tenant.getRateLimitBurst() : options.defaultRateLimitBurst();
    // The region's bucket, shared by its routers: served from this router's lease, so a table call only when the
    // lease is spent (RegionRateLimiter).
    limiter.acquire(tenantId, rps, burst).onComplete(decided -> {
      if (decided.failed()) { // a bug, not a verdict: say so rather than pass it off as the tenant's limit
        LOG.error("rate limit decision for tenant {} failed; answering 429", tenantId, decided.cause());
      }
      long retryAfter = decided.succeeded() ? decided.result() : 1;
      if (retryAfter > 0) {
        reject(request, requestId, startNanos, Sender.AUTHENTICATED, ErrorCode.RATE_LIMITED, "tenant " + tenantId
            + " is over its rate limit of " + rps + " requests per second (burst " + burst + ")",
            (int) Math.min(retryAfter, Integer.MAX_VALUE));
      } else {
        admitWithinLimit(request, requestId, startNanos, tenant);
      }
    });
  }

  private void admitWithinLimit(HttpServerRequest request, String requestId, long startNanos, TenantItem tenant) {
    String tenantId = tenant.getTenantId();
    RequestModel requested = RequestModel.of(request.path(), request.getHeader(Headers.MODEL));
    if (requested.mismatch() != null) {
      reject(request, requestId, startNanos, Sender.AUTHENTICATED, ErrorCode.MODEL_MISMATCH, requested.mismatch(), null);
      return;
    }
    String model = requested.model();
    if (model != null && !tenant.getAllowedModels().isEmpty() && !tenant.getAllowedModels().contains(model)) {
      reject(request, requestId, startNanos, Sender.AUTHENTICATED, ErrorCode.MODEL_NOT_ALLOWED, "tenant " + tenantId
          + " may not use model " + RequestModel.echo(model), null);
      return;
    }
    if (model == null && isInference(request)) {
      reject(request, requestId, startNanos, Sender.AUTHENTICATED, ErrorCode.MODEL_REQUIRED, "set the " + Headers.MODEL + " header to the model this "
          + "request is for (the router never reads request bodies)", null);
      return;
    }
    if (carriesBody(request) && !options.allowPlaintext() && !MediaTypes.is(request.getHeader(HttpHeaders.CONTENT_TYPE), MediaTypes.ENVELOPE)) {
      reject(request, requestId, startNanos, Sender.AUTHENTICATED, ErrorCode.ENCRYPTION_REQUIRED, "request bodies must be encrypted "
          + "envelopes (Content-Type: " + MediaTypes.ENVELOPE + "); use the MRGC tenant SDK or CLI to send them",
          null);
      return;
    }
    proxy.handle(request, requestId, model, tenantId, tenant.isDebugHeaders());
  }

  /** {@code Authorization: Bearer <key>} first, else {@code x-api-key}; null when neither carries a key. */
  static String apiKey(HttpServerRequest request) {
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization != null) {
      String value = authorization.trim();
      if (value.length() > 7 && value.regionMatches(true, 0, "Bearer ", 0, 7)) {
        String key = value.substring(7).trim();
        if (!key.isEmpty()) {
          return key;
        }
      }
    }
    String header = request.getHeader(Headers.API_KEY);
    return header == null || header.isBlank() ? null : header.trim();
  }

  /** POST (or any body-carrying method) to {@code /v1/...} or to {@code /v2/models/{m}[/versions/{v}]/infer}. */
  static boolean isInference(HttpServerRequest request) {
    if (!carriesBody(request)) {
      return false;
    }
    String path = request.path();
    return path.startsWith("/v1/") || (path.startsWith("/v2/models/") && path.endsWith("/infer"));
  }

  /** Every method but GET, HEAD and OPTIONS may carry a body, and a body must be an envelope. */
  static boolean carriesBody(HttpServerRequest request) {
    HttpMethod method = request.method();
    return method != HttpMethod.GET && method != HttpMethod.HEAD && method != HttpMethod.OPTIONS;
  }

  private void unauthorized(HttpServerRequest request, String requestId, long startNanos, String message) {
    request.response().putHeader("WWW-Authenticate", WWW_AUTHENTICATE);
    reject(request, requestId, startNanos, Sender.UNAUTHENTICATED, ErrorCode.UNAUTHORIZED, message, null);
  }

  private void reject(HttpServerRequest request, String requestId, long startNanos, Sender sender, ErrorCode code,
      String message, Integer retryAfterSeconds) {
    metrics.rejected(code.code(), code.status(), System.nanoTime() - startNanos);
    boolean bodyLeftUnread = hasBody(request) && !request.isEnded();
    if (bodyLeftUnread && sender == Sender.UNAUTHENTICATED) {
      // Never read a body for someone we do not know: answer, then close with the body unread.
      request.response().putHeader(HttpHeaders.CONNECTION, "close");
      ApiErrors.send(request.response(), code, message, requestId, retryAfterSeconds)
          .onComplete(sent -> request.connection().close());
      return;
    }
    ApiErrors.send(request.response(), code, message, requestId, retryAfterSeconds);
    if (bodyLeftUnread) {
      discardBody(request);
    }
  }

  /**
   * Reads and drops a known tenant's refused body so that the connection can carry the next request (closing with
   * unread bytes would make TCP reset it, and the client could lose the answer). A body over {@code maxBodyBytes}, or
   * one not complete within the body deadline, closes the connection instead.
   */
  private void discardBody(HttpServerRequest request) {
    long[] seen = {0};
    long deadline = proxy.vertx().setTimer(options.ingress().bodyTimeout().toMillis(), id -> {
      if (!request.isEnded()) {
        request.connection().close();
      }
    });
    request.exceptionHandler(error -> proxy.vertx().cancelTimer(deadline));
    request.endHandler(v -> proxy.vertx().cancelTimer(deadline));
    request.handler(chunk -> {
      seen[0] += chunk.length();
      if (seen[0] > options.maxBodyBytes()) {
        request.handler(null);
        proxy.vertx().cancelTimer(deadline);
        request.connection().close();
      }
    });
    request.resume();
  }

  /**
   * The address failed authentications are counted against: the client's source in the PROXY v2 header when the
   * connection came through the PrivateLink listener, else the peer address (null if unknown).
   */
  private String sourceOf(HttpServerRequest request) {
    ProxyProtocolV2.Header header = proxied.headerOf(request.connection());
    if (header != null && header.sourceAddress() != null) {
      return withoutPort(header.sourceAddress());
    }
    return request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    String encoding = request.getHeader(HttpHeaders.TRANSFER_ENCODING);
    return (length != null && !"0".equals(length.trim())) || (encoding != null && !encoding.isBlank());
  }

  /** {@code ip:port} or {@code [ipv6]:port} -> the address alone (a client has many ports, one address). */
  static String withoutPort(String address) {
    if (address.startsWith("[")) {
      int close = address.indexOf(']');
      return close < 0 ? address : address.substring(1, close);
    }
    int colon = address.lastIndexOf(':');
    return colon < 0 ? address : address.substring(0, colon);
  }

}
