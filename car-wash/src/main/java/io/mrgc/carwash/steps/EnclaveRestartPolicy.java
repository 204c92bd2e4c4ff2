package io.mrgc.carwash.steps;

import java.time.Duration;
import java.util.Optional;

/**
 * When to restart the enclave for a fresh attestation: after every {@code everyRequests} requests, or
 * {@code everyDuration} after the last restart, or after any enclave error, whichever comes first. Pure: the time
 * is passed in. It only answers "restart now?" when asked, at wash time; it never acts inside a request.
 * Thread-safe (errors are reported from request threads).
 */
public final class EnclaveRestartPolicy {
  private final long everyRequests;
  private final Duration everyDuration;
  private long requestsSinceRestart;
  private long lastRestartMillis;
  private String pendingError;

  /**
   * @param everyRequests restart after this many requests; 0 = not on a request count
   * @param everyDuration restart this long after the last restart; null = not on time
   * @param startedAtMillis when the current enclave started
   */
  public EnclaveRestartPolicy(long everyRequests, Duration everyDuration, long startedAtMillis) {
    if (everyRequests < 0) {
      throw new IllegalArgumentException("enclave restart request count must not be negative, got " + everyRequests);
    }
    if (everyDuration != null && (everyDuration.isNegative() || everyDuration.isZero())) {
      throw new IllegalArgumentException("enclave restart interval must be positive, got " + everyDuration);
    }
    this.everyRequests = everyRequests;
    this.everyDuration = everyDuration;
    this.lastRestartMillis = startedAtMillis;
  }

  /** One request was served by the current enclave. */
  public synchronized void requestServed() {
    requestsSinceRestart++;
  }

  /** The enclave failed (decrypt error, broken connection): restart at the next wash. */
  public synchronized void enclaveError(String what) {
    if (pendingError == null) {
      pendingError = what;
    }
  }

  /** The reason to restart now, or empty. */
  public synchronized Optional<String> restartReason(long nowMillis) {
    if (pendingError != null) {
      return Optional.of("enclave error: " + pendingError);
    }
    if (everyRequests > 0 && requestsSinceRestart >= everyRequests) {
      return Optional.of(requestsSinceRestart + " requests since the last restart (limit " + everyRequests + ")");
    }
    if (everyDuration != null && nowMillis - lastRestartMillis >= everyDuration.toMillis()) {
      return Optional.of((nowMillis - lastRestartMillis) / 60_000 + " min since the last restart (limit "
          + everyDuration.toMinutes() + " min)");
    }
    return Optional.empty();
  }

  /** A restart succeeded: the counters start over. */
  public synchronized void restarted(long nowMillis) {
    requestsSinceRestart = 0;
    lastRestartMillis = nowMillis;
    pendingError = null;
  }

  public synchronized long requestsSinceRestart() {
    return requestsSinceRestart;
  }

  public synchronized long lastRestartMillis() {
    return lastRestartMillis;
  }
}
