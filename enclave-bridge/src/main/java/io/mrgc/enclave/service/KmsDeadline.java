package io.mrgc.enclave.service;

import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs KMS calls with a deadline, so a KMS (or network) that never answers costs the request a KMS_UNAVAILABLE
 * after {@code timeout} instead of an enclave worker held until the enclave is restarted. A call past its deadline
 * is interrupted and abandoned; at most {@link #MAX_CONCURRENT_CALLS} run at once (more fail at once with
 * KMS_UNAVAILABLE), so calls that ignore the interrupt cannot pile up threads.
 */
final class KmsDeadline implements AutoCloseable {
  static final int MAX_CONCURRENT_CALLS = 16;

  private final Duration timeout;
  private final ThreadPoolExecutor threads;

  KmsDeadline(Duration timeout) {
    this.timeout = timeout;
    AtomicInteger seq = new AtomicInteger();
    this.threads = new ThreadPoolExecutor(0, MAX_CONCURRENT_CALLS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
        r -> {
          Thread t = new Thread(r, "enclave-kms-" + seq.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
  }

  Duration timeout() {
    return timeout;
  }

  /** The call's answer, its own EnclaveException, or KMS_UNAVAILABLE (deadline, overload, unexpected failure). */
  <T> T call(Callable<T> kmsCall) throws EnclaveException {
    Future<T> f;
    try {
      f = threads.submit(kmsCall);
    } catch (RejectedExecutionException e) {
      throw new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE,
          MAX_CONCURRENT_CALLS + " KMS calls are already waiting for an answer; try again later");
    }
    try {
      return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE,
          "KMS did not answer within " + timeout.toMillis() + " ms; try again later");
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE, "interrupted while waiting for KMS");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof EnclaveException refusal) {
        throw refusal;
      }
      throw new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE,
          "KMS call failed unexpectedly: " + e.getCause().getClass().getSimpleName());
    }
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }
}
