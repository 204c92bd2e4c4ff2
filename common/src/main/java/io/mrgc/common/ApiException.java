package io.mrgc.common;

/**
 * A failure that maps to one HTTP status and a stable error code, e.g. {@code 404 model_not_found}. Messages are
 * shown to callers: they say what to fix and never carry payloads or keys.
 */
public class ApiException extends RuntimeException {
  private final int status;
  private final String code;
  private final Integer retryAfterSeconds;

  public ApiException(int status, String code, String message) {
    this(status, code, message, null);
  }

  public ApiException(int status, String code, String message, Integer retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static ApiException badRequest(String message) {
    return new ApiException(400, "invalid_request", message);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** Seconds for the Retry-After header (429, 503), or null. */
  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
