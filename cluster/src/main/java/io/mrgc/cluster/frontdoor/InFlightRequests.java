package io.mrgc.cluster.frontdoor;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The requests the front door is proxying now, so that a graceful stop can wait for them and cut off the ones that
 * outlive its grace: one counts from its head until its response ends or its connection closes.
 */
final class InFlightRequests {
  private final Set<HttpServerRequest> requests = ConcurrentHashMap.newKeySet();
  private volatile Promise<Void> none;

  /** Counts {@code request} until its response ends or its connection closes. */
  void track(HttpServerRequest request) {
    requests.add(request);
    Handler<Void> finished = v -> {
      if (requests.remove(request) && requests.isEmpty()) {
        Promise<Void> waiting = none;
        if (waiting != null) {
          waiting.tryComplete();
        }
      }
    };
    request.response().endHandler(finished);
    request.response().closeHandler(finished);
  }

  int count() {
    return requests.size();
  }

  /** Closes the connections of the requests still in flight (their clients see the connection end); returns how many. */
  int cutOff() {
    int cut = 0;
    for (HttpServerRequest request : List.copyOf(requests)) {
      if (requests.remove(request)) {
        cut++;
        request.connection().close();
      }
    }
    return cut;
  }

  /** Completes once none is in flight, or at {@code grace}, whichever comes first. */
  Future<Void> awaitNone(Vertx vertx, Duration grace) {
    Promise<Void> waiting = Promise.promise();
    none = waiting;
    if (requests.isEmpty()) {
      waiting.tryComplete();
    }
    long timer = vertx.setTimer(Math.max(1, grace.toMillis()), id -> waiting.tryComplete());
    return waiting.future().onComplete(v -> vertx.cancelTimer(timer));
  }
}
