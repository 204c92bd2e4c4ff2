package io.mrgc.state;

/**
 * A conditional write was refused: the row changed since it was read (optimistic locking on {@code version}) or
 * the writer's fencing token is older than one that already wrote the row (a stale leader).
 */
public class WriteRejectedException extends RuntimeException {
  public WriteRejectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
