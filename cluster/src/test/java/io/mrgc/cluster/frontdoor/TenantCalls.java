package io.mrgc.cluster.frontdoor;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/** Test helper: a tenant's request through the front door's first anycast address. */
final class TenantCalls {
  static final String ADDRESS = "127.0.1.1";

  private TenantCalls() {}

  /** POSTs {@code {}} to /v1/embeddings; completes with {@code "STATUS BODY"}. */
  static Future<String> post(HttpClient http, FrontDoor frontDoor) {
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(ADDRESS)
            .setPort(frontDoor.actualPorts().get(ADDRESS)).setURI("/v1/embeddings"))
        .compose(request -> request.send("{}"))
        .compose(response -> response.body().map(body -> response.statusCode() + " " + body));
  }
}
