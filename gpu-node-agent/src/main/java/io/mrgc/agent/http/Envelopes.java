package io.mrgc.agent.http;

import io.mrgc.common.ApiException;
import io.mrgc.enclave.DecryptRequest;
import io.mrgc.enclave.Decrypted;
import io.mrgc.enclave.EnclaveErrorCode;
import io.mrgc.enclave.EnclaveException;
import io.mrgc.enclave.EnclaveHandler;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The encrypted path: the enclave opens the request envelope (bound to the tenant the router authenticated, the
 * model and the API path), the inference call runs on the plaintext, and the enclave seals the answer under the
 * same data key. The agent never holds a data key. Failures before decryption answer a plain JSON error (nothing
 * secret in it); after it, errors are sealed like answers, keeping their HTTP status.
 */
final class Envelopes {
  static final String CONTENT_TYPE = "application/vnd.mrgc.envelope+json";
  static final String TENANT_HEADER = "x-mrgc-tenant";
  static final String MODEL_HEADER = "x-mrgc-model";

  private final EnclaveHandler enclave;
  private final Consumer<Boolean> enclaveReachable;

  /** {@code enclave} may be null (an agent without an enclave refuses encrypted requests with 503). */
  Envelopes(EnclaveHandler enclave, Consumer<Boolean> enclaveReachable) {
    this.enclave = enclave;
    this.enclaveReachable = enclaveReachable;
  }

  static boolean isEnvelope(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    return type != null && type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT).equals(CONTENT_TYPE);
  }

  void serve(RoutingContext ctx, InferenceCall call) {
    if (enclave == null) {
      throw new ApiException(503, "encryption_unavailable", "this instance has no enclave to open encrypted requests");
    }
    String tenant = ctx.request().getHeader(TENANT_HEADER);
    if (tenant == null || tenant.isBlank()) {
      throw new ApiException(403, "tenant_unknown",
          "encrypted requests must come through a router that authenticated the tenant");
    }
    String model = ctx.pathParam("model") != null ? ctx.pathParam("model") : ctx.request().getHeader(MODEL_HEADER);
    if (model == null || model.isBlank()) {
      throw new ApiException(400, "model_required", "set the x-mrgc-model header to the envelope's model");
    }
    if (ctx.body() == null || ctx.body().length() == 0) {
      throw new ApiException(400, "malformed_envelope", "the request body is empty; expected an envelope");
    }
    DecryptRequest request = new DecryptRequest(ctx.body().buffer().getBytes(), tenant, model, ctx.request().path());
    blocking(ctx, () -> enclave.decryptRequest(request))
        .onFailure(failure -> Requests.sendError(ctx, toApi(failure)))
        .onSuccess(decrypted -> answer(ctx, call, model, decrypted));
  }

  private void answer(RoutingContext ctx, InferenceCall call, String model, Decrypted decrypted) {
    Future<JsonObject> reply;
    try {
      JsonObject body = parse(decrypted.plaintext());
      Object bodyModel = body.getValue("model");
      if (bodyModel != null && !model.equals(bodyModel)) {
        throw ApiException.badRequest("the model in the request body must be the envelope's model " + model);
      }
      reply = call.call(ctx, body);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    } finally {
      Arrays.fill(decrypted.plaintext(), (byte) 0);
    }
    reply.onComplete(done -> {
      int status = done.succeeded() ? 200 : statusOf(done.cause());
      JsonObject json = done.succeeded() ? done.result() : errorJson(ctx, done.cause());
      byte[] plaintext = json.toBuffer().getBytes();
      blocking(ctx, () -> enclave.encryptResponse(decrypted.sessionId(), plaintext))
          .onComplete(sealed -> Arrays.fill(plaintext, (byte) 0))
          .onFailure(failure -> Requests.sendError(ctx, toApi(failure)))
          .onSuccess(envelope -> {
            if (!ctx.response().ended() && !ctx.response().closed()) {
              ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE)
                  .end(Buffer.buffer(envelope));
            }
          });
    });
  }

  private static JsonObject parse(byte[] plaintext) {
    try {
      Object value = Buffer.buffer(plaintext).toJsonValue();
      if (value instanceof JsonObject object) {
        return object;
      }
    } catch (DecodeException e) {
      // answered below without echoing the plaintext
    }
    throw new ApiException(400, "invalid_json", "the decrypted request body must be a JSON object");
  }

  private static int statusOf(Throwable failure) {
    return Requests.unwrap(failure) instanceof ApiException api ? api.status() : 500;
  }

  private static JsonObject errorJson(RoutingContext ctx, Throwable failure) {
    ApiException api = Requests.unwrap(failure) instanceof ApiException e
        ? e : new ApiException(500, "internal_error", "internal error; quote the request id when reporting it");
    return io.mrgc.common.ApiErrors.body(api.code(), api.getMessage(), Requests.requestId(ctx));
  }

  /** Runs an enclave call on a worker thread (it blocks on the vsock round trip) and notes reachability. */
  private <T> Future<T> blocking(RoutingContext ctx, EnclaveCall<T> call) {
    return ctx.vertx().<T>executeBlocking(() -> {
      try {
        T result = call.run();
        enclaveReachable.accept(true);
        return result;
      } catch (EnclaveException e) {
        enclaveReachable.accept(e.code() != EnclaveErrorCode.ENCLAVE_UNAVAILABLE);
        throw e;
      }
    }, false);
  }

  /** Enclave refusals as API errors; an AEAD failure says nothing more than that. */
  static ApiException toApi(Throwable failure) {
    Throwable cause = Requests.unwrap(failure);
    if (cause instanceof ApiException api) {
      return api;
    }
    if (!(cause instanceof EnclaveException e)) {
      return new ApiException(500, "internal_error", "internal error; quote the request id when reporting it");
    }
    String message = switch (e.code()) {
      case AEAD_FAILURE -> "authenticated decryption failed";
      case ENCLAVE_UNAVAILABLE -> "the enclave of this instance is not answering; retry";
      case KMS_UNAVAILABLE -> "the key service is not answering; retry";
      case INTERNAL -> "internal error in the enclave; quote the request id when reporting it";
      default -> e.getMessage();
    };
    Integer retryAfter = e.code().httpStatus() == 503 ? 1 : null;
    return new ApiException(e.code().httpStatus(), errorCode(e.code()), message, retryAfter);
  }

  /** The {@code error.code} of each refusal (docs/protocol.md section 5). */
  static String errorCode(EnclaveErrorCode code) {
    return switch (code) {
      case MALFORMED -> "envelope_malformed";
      case AEAD_FAILURE -> "envelope_auth_failed";
      default -> code.name().toLowerCase(Locale.ROOT);
    };
  }

  @FunctionalInterface
  private interface EnclaveCall<T> {
    T run() throws EnclaveException;
  }
}
