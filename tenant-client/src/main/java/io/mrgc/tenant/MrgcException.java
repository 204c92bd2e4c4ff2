package io.mrgc.tenant;

import io.mrgc.wire.ErrorCode;
import java.util.Optional;

/**
 * A request MRGC refused or could not serve: the HTTP status, the service's error code and message, and the request
 * id to quote. Subclasses say what to do about it.
 */
public class MrgcException extends RuntimeException {
  private final int status;
  private final String code;
  private final String requestId;
  private int attempts = 1;

  public MrgcException(int status, String code, String message, String requestId) {
    this(status, code, message, requestId, null);
  }

  MrgcException(int status, String code, String message, String requestId, Throwable cause) {
    super(message + " (" + (status == 0 ? "" : "status " + status + ", ") + "code " + code
        + (requestId == null ? "" : ", request " + requestId) + ")", cause);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }

  public MrgcException(String message, Throwable cause) {
    super(message, cause);
    this.status = 0;
    this.code = "client_error";
    this.requestId = null;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** The service's code as this SDK knows it; empty for a client-side code or one a newer service added. */
  public Optional<ErrorCode> errorCode() {
    return ErrorCode.fromCode(code);
  }

  /**
   * Whether another attempt (a new envelope) may succeed: {@link ErrorCode#retryable()} for a known code, else a 429,
   * 502, 503 or 504 status. {@link RetryPolicy} retries only these (a 429 only when it says how long to wait).
   */
  public boolean retryable() {
    return errorCode().map(ErrorCode::retryable)
        .orElse(status == 429 || status == 502 || status == 503 || status == 504);
  }

  /** The request id of the last attempt (each attempt has its own: {@code <call id>.<attempt>}). */
  public String requestId() {
    return requestId;
  }

  /** How many attempts the client made before giving up with this error (see {@link RetryPolicy}). */
  public int attempts() {
    return attempts;
  }

  /** Records the attempt count before the exception is thrown; the message then ends "after N attempts". */
  MrgcException afterAttempts(int attempts) {
    this.attempts = attempts;
    return this;
  }

  @Override
  public String getMessage() {
    return attempts > 1 ? super.getMessage() + " after " + attempts + " attempts" : super.getMessage();
  }

  /** 401: the API key is missing, wrong or disabled. */
  public static final class Unauthorized extends MrgcException {
    Unauthorized(String code, String message, String requestId) {
      super(401, code, message, requestId);
    }
  }

  /** 403: not allowed (model, VPC endpoint, key policy, tenant binding). */
  public static final class Forbidden extends MrgcException {
    Forbidden(int status, String code, String message, String requestId) {
      super(status, code, message, requestId);
    }
  }

  /** 400, 404, 413, 415: the request itself must change. */
  public static final class BadRequest extends MrgcException {
    BadRequest(int status, String code, String message, String requestId) {
      super(status, code, message, requestId);
    }
  }

  /** 429: slow down; retry after {@link #retryAfterSeconds()}. */
  public static final class RateLimited extends MrgcException {
    private final int retryAfterSeconds;

    RateLimited(String code, String message, String requestId, int retryAfterSeconds) {
      super(429, code, message, requestId);
      this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }

  /**
   * 5xx or no answer: the service could not serve now; retrying later may succeed. The client has already retried
   * what was safe to retry ({@link #attempts()}).
   */
  public static final class Unavailable extends MrgcException {
    Unavailable(int status, String code, String message, String requestId) {
      super(status, code, message, requestId);
    }

    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }

    /** No answer to the attempt with {@code requestId} (connection refused, reset or timed out). */
    Unavailable(String message, String requestId, Throwable cause) {
      super(0, "no_answer", message, requestId, cause);
    }
  }

  /**
   * No TLS session with the endpoint: its certificate is not signed by a trusted CA, does not name the endpoint's host,
   * or it speaks no TLS 1.2+. Not retried: the same attempt would fail the same way.
   */
  public static final class TlsFailure extends MrgcException {
    TlsFailure(String message, String requestId, Throwable cause) {
      super(0, "tls_handshake_failed", message, requestId, cause);
    }
  }

  /** The answer did not authenticate under this request's data key (tampered or not the answer to this request). */
  public static final class IntegrityFailure extends MrgcException {
    IntegrityFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Maps an HTTP error answer to the matching type. */
  static MrgcException of(int status, String code, String message, String requestId, int retryAfterSeconds) {
    if (status == 401) {
      return new Unauthorized(code, message, requestId);
    } else if (status == 403) {
      return new Forbidden(status, code, message, requestId);
    } else if (status == 429) {
      return new RateLimited(code, message, requestId, Math.max(1, retryAfterSeconds));
    } else if (status >= 500) {
      return new Unavailable(status, code, message, requestId);
    } else if (status >= 400) {
      return new BadRequest(status, code, message, requestId);
    }
    return new MrgcException(status, code, message, requestId);
  }
}
