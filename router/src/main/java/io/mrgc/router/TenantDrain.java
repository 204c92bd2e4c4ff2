package io.mrgc.router;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The tenant API requests in progress (head received, response not yet ended or cut off), and the drain that
 * comes before a stop. Once {@link #begin} was called the router is draining: every request in progress or arriving
 * later is answered with {@code Connection: close} and its connection closed after that answer, so clients move to
 * another router instead of reusing a connection that is about to go; nothing is refused or cut short here.
 */
public final class TenantDrain {
  private final Set<HttpServerRequest> inProgress = new LinkedHashSet<>();
  private boolean draining;
  private long closeDeadlineNanos;
  private long endedWhileDraining;
  private Promise<Void> idle;

  /** Counts {@code request} until its response ends or its connection closes. */
  synchronized void track(HttpServerRequest request) {
    inProgress.add(request);
    request.response().endHandler(v -> ended(request));
    if (draining) {
      askToClose(request);
    }
  }

  /**
   * Starts draining; connections still busy {@code closeWithinMillis} from now are closed then, whatever they are
   * doing (the stop's grace). Call it on the router's context: it changes responses not yet sent.
   */
  public synchronized void begin(long closeWithinMillis) {
    if (draining) {
      return;
    }
    draining = true;
    closeDeadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(closeWithinMillis);
    List.copyOf(inProgress).forEach(this::askToClose); // a copy: a connection may close (and end) at once
  }

  public synchronized boolean draining() {
    return draining;
  }

  /** Requests in progress now. */
  public synchronized int inProgress() {
    return inProgress.size();
  }

  /** Requests that ended (answered, or their client left) since the drain began. */
  public synchronized long endedWhileDraining() {
    return endedWhileDraining;
  }

  /** Closes the connections of the requests still in progress (the grace is over); returns how many there were. */
  public int cutOff() {
    List<HttpServerRequest> left;
    synchronized (this) {
      left = List.copyOf(inProgress);
    }
    left.forEach(request -> request.connection().close());
    return left.size();
  }

  /** Completes once no request is in progress (at once when none is). */
  public synchronized Future<Void> idle() {
    if (inProgress.isEmpty()) {
      return Future.succeededFuture();
    }
    if (idle == null) {
      idle = Promise.promise();
    }
    return idle.future();
  }

  private void ended(HttpServerRequest request) {
    Promise<Void> nowIdle = null;
    synchronized (this) {
      if (!inProgress.remove(request)) {
        return;
      }
      if (draining) {
        endedWhileDraining++;
      }
      if (inProgress.isEmpty() && idle != null) {
        nowIdle = idle;
        idle = null;
      }
    }
    if (nowIdle != null) {
      nowIdle.complete();
    }
  }

  /** The answer says the connection closes, and the connection closes once it is sent (or at the deadline). */
  private void askToClose(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    if (!response.headWritten()) {
      response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    long left = Math.max(0, closeDeadlineNanos - System.nanoTime());
    request.connection().shutdown(left, TimeUnit.NANOSECONDS);
  }
}
