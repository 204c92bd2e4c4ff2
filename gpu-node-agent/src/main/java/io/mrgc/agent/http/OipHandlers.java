package io.mrgc.agent.http;

import io.mrgc.agent.batch.ModelWorker;
import io.mrgc.agent.buffers.RequestBuffers;
import io.mrgc.agent.model.LoadedModel;
import io.mrgc.agent.model.TensorMeta;
import io.mrgc.agent.wash.ServedRequest;
import io.mrgc.common.ApiException;
import io.mrgc.wire.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Open Inference Protocol (KServe v2) REST endpoints: health, server and model metadata, readiness (never gated),
 * and infer (behind the gate, like every inference endpoint).
 */
final class OipHandlers {
  static final String SERVER_NAME = "mrgc-gpu-node-agent";
  static final String SERVER_VERSION = "0.1.0";

  private final ServedModels models;
  private final Envelopes envelopes;

  OipHandlers(ServedModels models, Envelopes envelopes) {
    this.models = models;
    this.envelopes = envelopes;
  }

  /** {@code gated} puts the gate and the pooled body reader in front of an inference route. */
  void mount(Router router, UnaryOperator<Route> gated) {
    router.get("/v2/health/live").handler(ctx -> Requests.sendJson(ctx, 200, new JsonObject().put("live", true)));
    router.get("/v2/health/ready").handler(ctx -> Requests.sendJson(ctx, models.ready() ? 200 : 503,
        new JsonObject().put("ready", models.ready())));
    router.get("/v2").handler(ctx -> Requests.sendJson(ctx, 200, new JsonObject().put("name", SERVER_NAME)
        .put("version", SERVER_VERSION).put("extensions", new JsonArray())));
    for (String base : List.of("/v2/models/:model", "/v2/models/:model/versions/:version")) {
      router.get(base).handler(this::metadata);
      router.get(base + "/ready").handler(this::modelReady);
      gated.apply(router.post(base + "/infer")).handler(this::infer);
    }
  }

  /** The model named in the path, at the version named there if any (else 404 {@code model_not_found}). */
  private ModelWorker worker(RoutingContext ctx) {
    String name = ctx.pathParam("model");
    ModelWorker worker = models.require(name);
    String version = ctx.pathParam("version");
    if (version != null && !version.equals(Long.toString(worker.model().version()))) {
      throw new ApiException(ErrorCode.MODEL_NOT_FOUND, "model " + name + " version " + version
          + " is not served by this instance (serving version " + worker.model().version() + ")");
    }
    return worker;
  }

  private void metadata(RoutingContext ctx) {
    LoadedModel model = worker(ctx).model();
    Requests.sendJson(ctx, 200, new JsonObject()
        .put("name", model.name())
        .put("versions", new JsonArray().add(Long.toString(model.version())))
        .put("platform", model.config().platformOrDefault())
        .put("inputs", tensors(model.inputs()))
        .put("outputs", tensors(model.outputs())));
  }

  private static JsonArray tensors(List<TensorMeta> metas) {
    JsonArray array = new JsonArray();
    for (TensorMeta meta : metas) {
      JsonArray shape = new JsonArray();
      for (long dim : meta.shape()) {
        shape.add(dim);
      }
      array.add(new JsonObject().put("name", meta.name()).put("datatype", meta.datatype()).put("shape", shape));
    }
    return array;
  }

  private void modelReady(RoutingContext ctx) {
    LoadedModel model = worker(ctx).model();
    boolean ready = models.ready();
    Requests.sendJson(ctx, ready ? 200 : 503, new JsonObject().put("name", model.name()).put("ready", ready));
  }

  private void infer(RoutingContext ctx) {
    worker(ctx); // 404 for an unknown model before anything else
    Requests.serve(ctx, envelopes, this::infer, false);
  }

  private Future<JsonObject> infer(RoutingContext ctx, JsonObject body) {
    ModelWorker worker = worker(ctx);
    Object id = body.getValue("id");
    if (id != null && !(id instanceof String)) {
      throw ApiException.badRequest("id must be a string");
    }
    LoadedModel model = worker.model();
    OipTensors.Call call = OipTensors.parse(model, body);
    ServedRequest served = ServedRequest.of(ctx);
    RequestBuffers buffers = served.buffers();
    return Requests.onContext(ctx, worker.submit(served.tenant(), served.requestId(),
            (m, runOptions) -> OipTensors.run(m, call, runOptions, buffers)))
        .map(outputs -> new JsonObject().put("model_name", model.name())
            .put("model_version", Long.toString(model.version()))
            .put("id", id != null ? id : Requests.requestId(ctx))
            .put("outputs", outputs));
  }
}
