package io.mrgc.common;

import io.mrgc.wire.ErrorCode;

/**
 * A failure that maps to one {@link ErrorCode} (its HTTP status and stable code, e.g. {@code 404 model_not_found}).
 * Messages are shown to callers: they say what to fix and never carry payloads or keys.
 */
public class ApiException extends RuntimeException {
  private final ErrorCode code;
  private final Integer retryAfterSeconds;

  public ApiException(ErrorCode code, String message) {
    this(code, message, null);
  }

  public ApiException(ErrorCode code, String message, Integer retryAfterSeconds) {
    super(message, null, false, false);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static ApiException badRequest(String message) {
    return new ApiException(ErrorCode.INVALID_REQUEST, message);
  }

  /** The 500 answer to anything unexpected: no internal detail leaves the service. */
  public static ApiException internal() {
    return new ApiException(ErrorCode.INTERNAL_ERROR, "internal error; quote the request id when reporting it");
  }

  public ErrorCode errorCode() {
    return code;
  }

  public int status() {
    return code.status();
  }

  /** The wire code, {@code error.code} in the body. */
  public String code() {
    return code.code();
  }

  /** Seconds for the Retry-After header (429, 503), or null. */
  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
