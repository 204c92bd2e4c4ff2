package io.mrgc.wire;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every {@code error.code} an MRGC service answers with, its HTTP status, and whether the tenant SDK may retry it as
 * a new attempt (a fresh envelope; a 429 only when it says how long to wait). The body is always
 * {@code {"error": {"code", "message", "requestId"}}}; docs/api.md lists each code (ErrorCodeDocsTest keeps the two
 * in step). Codes are stable: clients match on them.
 */
public enum ErrorCode {
  // Any service: the request itself.
  INVALID_REQUEST(400, "invalid_request", false),
  INVALID_JSON(400, "invalid_json", false),
  INVALID_PATH(400, "invalid_path", false),
  NOT_FOUND(404, "not_found", false),
  METHOD_NOT_ALLOWED(405, "method_not_allowed", false),
  BODY_TOO_LARGE(413, "body_too_large", false),
  UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type", false),
  INTERNAL_ERROR(500, "internal_error", false),

  // Front door.
  UNKNOWN_HOME_REGION(400, "unknown_home_region", false),
  REGION_UNREACHABLE(502, "region_unreachable", true),

  // Router: tenant authentication and admission.
  UNAUTHORIZED(401, "unauthorized", false),
  AUTH_RATE_LIMITED(429, "auth_rate_limited", true),
  AUTH_UNAVAILABLE(503, "auth_unavailable", true),
  VPC_ENDPOINT_NOT_ALLOWED(403, "vpc_endpoint_not_allowed", false),
  RATE_LIMITED(429, "rate_limited", true),
  MODEL_REQUIRED(400, "model_required", false),
  MODEL_MISMATCH(400, "model_mismatch", false),
  MODEL_NOT_ALLOWED(403, "model_not_allowed", false),
  ENCRYPTION_REQUIRED(415, "encryption_required", false),

  // Router: bodies and forwarding.
  BODY_TIMEOUT(408, "body_timeout", false),
  BODY_BUFFER_FULL(429, "body_buffer_full", true),
  ROUTER_BUSY(503, "router_busy", true),
  NO_CAPACITY(503, "no_capacity", true),
  MODEL_LOADING(503, "model_loading", true),
  FRONT_DOOR_STOPPING(503, "front_door_stopping", true),
  UPSTREAM_UNAVAILABLE(502, "upstream_unavailable", true),
  UPSTREAM_FAILED(502, "upstream_failed", true),
  UPSTREAM_TIMEOUT(504, "upstream_timeout", true),
  UPSTREAM_UNAUTHENTICATED(502, "upstream_unauthenticated", true),

  // Router to agent authentication.
  PEER_UNAUTHENTICATED(401, "peer_unauthenticated", false),
  PEER_AUTH_BUSY(503, "peer_auth_busy", true),

  // Node agent: models and inference.
  MODEL_NOT_FOUND(404, "model_not_found", false),
  TOO_MANY_INPUTS(400, "too_many_inputs", false),
  TOO_MANY_TOKENS(400, "too_many_tokens", false),
  SHAPE_MISMATCH(400, "shape_mismatch", false),
  DATATYPE_MISMATCH(400, "datatype_mismatch", false),
  UNSUPPORTED_DATATYPE(400, "unsupported_datatype", false),
  OVERLOADED(429, "overloaded", true),
  MODEL_UNAVAILABLE(503, "unavailable", true),
  INSTANCE_NOT_READY(503, "instance_not_ready", true),
  INFERENCE_TIMEOUT(504, "inference_timeout", true),

  // Node agent: envelopes before they reach the enclave.
  ENCRYPTION_UNAVAILABLE(503, "encryption_unavailable", true),
  TENANT_UNKNOWN(403, "tenant_unknown", false),
  EMPTY_ENVELOPE(400, "malformed_envelope", false),

  // The enclave's refusals, as the node agent answers them (EnclaveErrorCode maps to these).
  ENVELOPE_MALFORMED(400, "envelope_malformed", false),
  ENVELOPE_AUTH_FAILED(400, "envelope_auth_failed", false),
  TENANT_MISMATCH(403, "tenant_mismatch", false),
  KEY_REFUSED(403, "key_refused", false),
  ENVELOPE_EXPIRED(400, "envelope_expired", false),
  REPLAYED_ENVELOPE(409, "replayed_envelope", false),
  REPLAY_UNVERIFIABLE(503, "replay_unverifiable", true),
  UNKNOWN_SESSION(400, "unknown_session", false),
  KMS_UNAVAILABLE(503, "kms_unavailable", true),
  ENCLAVE_UNAVAILABLE(503, "enclave_unavailable", true),
  ENCLAVE_INTERNAL(500, "internal", false);

  private static final Map<String, ErrorCode> BY_CODE =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(ErrorCode::code, Function.identity()));

  private final int status;
  private final String code;
  private final boolean retryable;

  ErrorCode(int status, String code, boolean retryable) {
    this.status = status;
    this.code = code;
    this.retryable = retryable;
  }

  /** The HTTP status it is answered with. */
  public int status() {
    return status;
  }

  /** The {@code error.code} string on the wire. */
  public String code() {
    return code;
  }

  /** Whether a new attempt (a new envelope, perhaps another instance or region) may succeed. */
  public boolean retryable() {
    return retryable;
  }

  /** The constant with this wire code, if any (an older or newer service may send one this build does not know). */
  public static Optional<ErrorCode> fromCode(String code) {
    return Optional.ofNullable(code == null ? null : BY_CODE.get(code));
  }
}
