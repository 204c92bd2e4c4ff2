package io.mrgc.agent.http;

import io.mrgc.agent.buffers.RequestBuffers;
import io.mrgc.agent.wash.ServedRequest;
import io.mrgc.common.ApiException;
import io.mrgc.enclave.DecryptRequest;
import io.mrgc.enclave.Decrypted;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.wire.ErrorCode;
import io.mrgc.wire.Headers;
import io.mrgc.wire.MediaTypes;
import io.mrgc.wire.enclave.EnclaveException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The encrypted path: the enclave opens the request envelope (bound to the tenant the router authenticated, the
 * model and the API path), the inference call runs on the plaintext, and the enclave seals the answer under the
 * same data key. The agent never holds a data key. Failures before decryption answer a plain JSON error (nothing
 * secret in it); after it, errors are sealed like answers, keeping their HTTP status.
 *
 * <p>The decrypted plaintext is copied into the request's pool buffers at once (the enclave client's array is zeroed)
 * and the answer is encoded into them before sealing; the enclave API takes the answer as an exact-length array,
 * which lives only for the seal call and is zeroed after it. The wash scrubs the pool buffers.
 */
final class Envelopes {
  private static final Logger LOG = LoggerFactory.getLogger(Envelopes.class);

  private final EnclaveHandler enclave;
  private final EnclaveWatch watch;

  /** {@code enclave} may be null (an agent without an enclave refuses encrypted requests with 503). */
  Envelopes(EnclaveHandler enclave, EnclaveWatch watch) {
    this.enclave = enclave;
    this.watch = watch;
  }

  static boolean isEnvelope(RoutingContext ctx) {
    return MediaTypes.is(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE), MediaTypes.ENVELOPE);
  }

  void serve(RoutingContext ctx, InferenceCall call) {
    if (enclave == null) {
      throw new ApiException(ErrorCode.ENCRYPTION_UNAVAILABLE,
          "this instance has no enclave to open encrypted requests");
    }
    String tenant = ctx.request().getHeader(Headers.TENANT);
    if (tenant == null || tenant.isBlank()) {
      throw new ApiException(ErrorCode.TENANT_UNKNOWN,
          "encrypted requests must come through a router that authenticated the tenant");
    }
    String model = requestedModel(ctx);
    if (model == null || model.isBlank()) {
      throw new ApiException(ErrorCode.MODEL_REQUIRED, "set the " + Headers.MODEL + " header to the envelope's model");
    }
    ByteBuffer body = PooledBody.of(ctx);
    if (body == null || !body.hasRemaining()) {
      throw new ApiException(ErrorCode.EMPTY_ENVELOPE, "the request body is empty; expected an envelope");
    }
    byte[] envelope = new byte[body.remaining()]; // ciphertext: nothing to scrub
    body.get(body.position(), envelope);
    DecryptRequest request = new DecryptRequest(envelope, tenant, model, ctx.request().path());
    RequestBuffers buffers = ServedRequest.of(ctx).buffers();
    blocking(ctx, () -> enclave.decryptRequest(request))
        .onFailure(failure -> Requests.sendError(ctx, toApi(failure)))
        .onSuccess(decrypted -> answer(ctx, call, model, decrypted, buffers));
  }

  /** The model the envelope must be bound to: the OIP path's, else the one the router forwarded in the header. */
  static String requestedModel(RoutingContext ctx) {
    return ctx.pathParam("model") != null ? ctx.pathParam("model") : ctx.request().getHeader(Headers.MODEL);
  }

  private void answer(RoutingContext ctx, InferenceCall call, String model, Decrypted decrypted,
      RequestBuffers buffers) {
    Future<JsonObject> reply;
    try {
      JsonObject body = PooledJson.parseObject(pooled(decrypted.plaintext(), buffers),
          "the decrypted request body must be a JSON object");
      Object bodyModel = body.getValue("model");
      if (bodyModel != null && !model.equals(bodyModel)) {
        throw ApiException.badRequest("the model in the request body must be the envelope's model " + model);
      }
      reply = call.call(ctx, body);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    reply.onComplete(done -> {
      Throwable failure = done.failed() ? Requests.unwrap(done.cause()) : null;
      JsonObject json = failure == null ? done.result() : errorJson(ctx, failure);
      byte[] plaintext = exact(PooledJson.encode(json, buffers));
      blocking(ctx, () -> enclave.encryptResponse(decrypted.sessionId(), plaintext))
          .onComplete(sealed -> Arrays.fill(plaintext, (byte) 0))
          .onFailure(sealFailure -> Requests.sendError(ctx, toApi(sealFailure)))
          .onSuccess(sealed -> ServedRequest.respond(ctx, failure, () -> {
            if (!ctx.response().ended() && !ctx.response().closed()) {
              ctx.response().setStatusCode(failure == null ? 200 : statusOf(failure))
                  .putHeader(HttpHeaders.CONTENT_TYPE, MediaTypes.ENVELOPE).end(Buffer.buffer(sealed));
            }
          }));
    });
  }

  /** The plaintext moved into a pool buffer; the enclave client's array is zeroed. */
  private static ByteBuffer pooled(byte[] plaintext, RequestBuffers buffers) {
    ByteBuffer copy = buffers.bytes(Math.max(1, plaintext.length)).clear();
    copy.put(plaintext).flip();
    Arrays.fill(plaintext, (byte) 0);
    return copy;
  }

  private static byte[] exact(ByteBuffer bytes) {
    byte[] array = new byte[bytes.remaining()];
    bytes.get(bytes.position(), array);
    return array;
  }

  private static int statusOf(Throwable failure) {
    return Requests.unwrap(failure) instanceof ApiException api ? api.status() : 500;
  }

  private static JsonObject errorJson(RoutingContext ctx, Throwable failure) {
    ApiException api = Requests.unwrap(failure) instanceof ApiException e
        ? e : ApiException.internal();
    return io.mrgc.common.ApiErrors.body(api.errorCode(), api.getMessage(), Requests.requestId(ctx));
  }

  /** Runs an enclave call on a worker thread (it blocks on the vsock round trip) and notes reachability. */
  private <T> Future<T> blocking(RoutingContext ctx, EnclaveCall<T> call) {
    return ctx.vertx().<T>executeBlocking(() -> {
      try {
        T result = call.run();
        watch.answered();
        return result;
      } catch (EnclaveException e) {
        watch.failed(e.code());
        throw e;
      } catch (RuntimeException e) {
        LOG.error("request {}: enclave call failed unexpectedly", Requests.requestId(ctx), e);
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
      return ApiException.internal();
    }
    String message = switch (e.code()) {
      case AEAD_FAILURE -> "authenticated decryption failed";
      case ENCLAVE_UNAVAILABLE -> "the enclave of this instance is not answering; retry";
      case KMS_UNAVAILABLE -> "the key service is not answering; retry";
      case INTERNAL -> "internal error in the enclave; quote the request id when reporting it";
      default -> e.getMessage();
    };
    ErrorCode code = e.code().errorCode(); // docs/protocol.md section 5
    return new ApiException(code, message, code.status() == 503 ? 1 : null);
  }

  @FunctionalInterface
  private interface EnclaveCall<T> {
    T run() throws EnclaveException;
  }
}
