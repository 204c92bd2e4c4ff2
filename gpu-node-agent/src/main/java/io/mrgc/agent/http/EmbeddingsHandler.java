package io.mrgc.agent.http;

import io.mrgc.agent.batch.EmbeddingResult;
import io.mrgc.agent.batch.ModelWorker;
import io.mrgc.agent.wash.ServedRequest;
import io.mrgc.common.ApiException;
import io.mrgc.wire.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * OpenAI-compatible {@code POST /v1/embeddings}, behind the gate: the request's tenant holds the instance; its inputs
 * run on the model's worker, batched with concurrent requests of the same tenant (never another's).
 */
final class EmbeddingsHandler implements Handler<RoutingContext> {
  private final ServedModels models;
  private final int maxInputsPerRequest;
  private final Envelopes envelopes;

  EmbeddingsHandler(ServedModels models, int maxInputsPerRequest, Envelopes envelopes) {
    this.models = models;
    this.maxInputsPerRequest = maxInputsPerRequest;
    this.envelopes = envelopes;
  }

  /** A request body that passed every check. */
  record Parsed(String model, List<String> inputs, boolean base64) {}

  @Override
  public void handle(RoutingContext ctx) {
    Requests.serve(ctx, envelopes, this::embed, true);
  }

  private Future<JsonObject> embed(RoutingContext ctx, JsonObject body) {
    Parsed request = parse(body);
    ModelWorker worker = models.require(request.model());
    if (!worker.model().servesEmbeddings()) {
      throw ApiException.badRequest("model " + request.model() + " is not a text-embedding model");
    }
    ServedRequest served = ServedRequest.of(ctx);
    return Requests.onContext(ctx, worker.embed(served.tenant(), served.requestId(), request.inputs()))
        .map(result -> render(request, result));
  }

  /** The checked request, or 400 with what to fix. */
  Parsed parse(JsonObject body) {
    Object model = body.getValue("model");
    if (!(model instanceof String name) || name.isBlank()) {
      throw ApiException.badRequest("model is required (a model name such as all-minilm-l6-v2)");
    }
    Object format = body.getValue("encoding_format");
    if (format != null && !"float".equals(format) && !"base64".equals(format)) {
      throw ApiException.badRequest("encoding_format must be float or base64");
    }
    return new Parsed(name, inputs(body.getValue("input")), "base64".equals(format));
  }

  private List<String> inputs(Object input) {
    List<String> inputs = new ArrayList<>();
    if (input instanceof String text) {
      inputs.add(text);
    } else if (input instanceof JsonArray array) {
      for (Object element : array) {
        if (!(element instanceof String text)) {
          throw ApiException.badRequest("input must be a string or an array of strings");
        }
        inputs.add(text);
      }
    } else {
      throw ApiException.badRequest("input is required: a string or an array of strings");
    }
    if (inputs.isEmpty()) {
      throw ApiException.badRequest("input must not be an empty array");
    }
    if (inputs.size() > maxInputsPerRequest) {
      throw new ApiException(ErrorCode.TOO_MANY_INPUTS,
          "input has " + inputs.size() + " items, more than the limit of " + maxInputsPerRequest);
    }
    for (int i = 0; i < inputs.size(); i++) {
      if (inputs.get(i).isEmpty()) {
        throw ApiException.badRequest("input[" + i + "] must not be an empty string");
      }
    }
    return inputs;
  }

  private static JsonObject render(Parsed request, EmbeddingResult result) {
    JsonArray data = new JsonArray();
    for (int i = 0; i < result.vectors().size(); i++) {
      float[] vector = result.vectors().get(i);
      data.add(new JsonObject().put("object", "embedding").put("index", i)
          .put("embedding", request.base64() ? base64(vector) : floats(vector)));
    }
    return new JsonObject().put("object", "list").put("data", data).put("model", request.model())
        .put("usage", new JsonObject().put("prompt_tokens", result.promptTokens())
            .put("total_tokens", result.promptTokens()));
  }

  private static JsonArray floats(float[] vector) {
    List<Object> values = new ArrayList<>(vector.length);
    for (float v : vector) {
      values.add(v);
    }
    return new JsonArray(values);
  }

  /** OpenAI's base64 form: the vector's little-endian float32 bytes. */
  private static String base64(float[] vector) {
    ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(vector);
    return Base64.getEncoder().encodeToString(bytes.array());
  }
}
