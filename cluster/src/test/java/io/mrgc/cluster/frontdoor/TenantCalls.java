package io.mrgc.cluster.frontdoor;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/** Test helper: a tenant's request through the front door's first anycast address. */
final class TenantCalls {
  static final String ADDRESS = "127.0.1.1";

  /** One attempt's bound: an answer that takes longer is lost, and the caller tries again. */
  static final long ATTEMPT_MILLIS = 5_000;

  private TenantCalls() {}

  /**
   * The first answer of up to 5 attempts of {@code call}, each bounded by {@link #ATTEMPT_MILLIS}: on this shared
   * machine a test client's request was seen lost (neither answered nor failed, every event loop idle) about once
   * in two runs of the front door tests; a bounded retry of the idempotent call keeps them about the front door.
   */
  static <T> T retried(java.util.function.Supplier<Future<T>> call) throws Exception {
    Exception last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        return call.get().await(ATTEMPT_MILLIS + 1_000, java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
        last = e;
      }
    }
    throw last;
  }

  /** POSTs {@code {}} to /v1/embeddings; completes with {@code "STATUS BODY"}. */
  static Future<String> post(HttpClient http, FrontDoor frontDoor) {
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(ADDRESS)
            .setPort(frontDoor.actualPorts().get(ADDRESS)).setURI("/v1/embeddings").setIdleTimeout(ATTEMPT_MILLIS))
        .compose(request -> request.send("{}"))
        .compose(response -> response.body().map(body -> response.statusCode() + " " + body));
  }
}
