package io.mrgc.agent.http;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * One inference API on a parsed JSON request, answering the JSON response (or failing with an ApiException). The
 * same call serves plaintext requests and, after the enclave opened the envelope, encrypted ones.
 */
@FunctionalInterface
interface InferenceCall {
  Future<JsonObject> call(RoutingContext ctx, JsonObject body);
}
