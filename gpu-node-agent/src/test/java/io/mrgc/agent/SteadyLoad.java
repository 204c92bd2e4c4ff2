package io.mrgc.agent;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Embedding requests for one model, back to back on a few lanes, until stopped; every answer is recorded. */
final class SteadyLoad {
  private final WebClient web;
  private final NodeAgent agent;
  private final String model;
  private final AtomicInteger answered = new AtomicInteger();
  private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  private final CountDownLatch lanesDone;
  private volatile boolean stopped;

  SteadyLoad(WebClient web, NodeAgent agent, String model, int lanes) {
    this.web = web;
    this.agent = agent;
    this.model = model;
    this.lanesDone = new CountDownLatch(lanes);
    for (int lane = 0; lane < lanes; lane++) {
      next(lane);
    }
  }

  private void next(int lane) {
    if (stopped) {
      lanesDone.countDown();
      return;
    }
    JsonObject body = new JsonObject().put("model", model).put("input", "steady load " + lane);
    AgentFixture.postJson(web, agent, "/v1/embeddings", body).onComplete(result -> {
      if (result.succeeded() && result.result().statusCode() == 200) {
        answered.incrementAndGet();
      } else {
        failures.add(result.succeeded() ? result.result().statusCode() + " " + result.result().bodyAsString()
            : result.cause().toString());
      }
      next(lane);
    });
  }

  /** Requests answered 200 so far. */
  int answered() {
    return answered.get();
  }

  /** Stops after the requests in flight; the failures seen (status and body, or the error). */
  List<String> stop() throws InterruptedException {
    stopped = true;
    if (!lanesDone.await(60, TimeUnit.SECONDS)) {
      throw new AssertionError("the steady load's last requests never ended");
    }
    return List.copyOf(failures);
  }
}
