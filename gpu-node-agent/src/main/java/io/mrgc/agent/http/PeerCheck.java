package io.mrgc.agent.http;

import io.mrgc.common.ApiErrors;
import io.mrgc.common.ApiException;
import io.mrgc.common.peer.PeerAuth;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * The agent's first check, before the instance gate and before a body byte is read: the request must carry a valid
 * router signature ({@link PeerAuth}) over the identity it forwards (tenant, model, request id, method, target), else
 * 401 {@code peer_unauthenticated} and the connection closes with the body unread; nothing is decrypted or run.
 * Answers to verified requests are signed back, so the router knows it talks to an agent of the deployment.
 * Liveness, readiness and metrics stay open: they carry no tenant identity (probes and scrapers hold no key).
 */
final class PeerCheck implements Handler<RoutingContext> {
  private static final Set<String> OPEN = Set.of("/v2/health/live", "/v2/health/ready", "/metrics", "/livez",
      "/readyz");
  private static final String VERIFIED = "mrgc.peer";

  private final PeerAuth auth;

  PeerCheck(PeerAuth auth) {
    this.auth = auth;
  }

  @Override
  public void handle(RoutingContext ctx) {
    // normalizedPath: the path the router below routes on, so no spelling reaches a gated route as an open one
    if (ctx.request().method() == HttpMethod.GET && OPEN.contains(ctx.normalizedPath())) {
      ctx.next();
      return;
    }
    PeerAuth.Verified verified;
    try {
      verified = auth.verify(ctx.request().headers(), ctx.request().method().name(), ctx.request().uri());
    } catch (ApiException refused) {
      if (!ctx.request().isEnded()) {
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close"); // the body is never read
      }
      ApiErrors.send(ctx.response(), refused, Requests.requestId(ctx));
      return;
    }
    ctx.put(VERIFIED, verified);
    ctx.addHeadersEndHandler(v -> auth.signResponse(ctx.response().headers(), verified,
        ctx.response().getStatusCode()));
    ctx.next();
  }

  /**
   * Whether the body read for {@code ctx} is the one the router signed (when it signed one: a router that buffers
   * bodies before dispatch); true without peer authentication or a signed body.
   */
  static boolean bodyMatches(RoutingContext ctx, ByteBuffer body) {
    PeerAuth.Verified verified = ctx.get(VERIFIED);
    return verified == null || PeerAuth.bodyMatches(verified, body);
  }
}
