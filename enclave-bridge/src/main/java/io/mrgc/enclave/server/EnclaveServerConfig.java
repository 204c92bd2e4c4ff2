package io.mrgc.enclave.server;

import io.mrgc.enclave.protocol.FrameFormat;
import java.time.Duration;
import java.util.Objects;

/**
 * Limits of an {@link EnclaveServer}. Start from {@link #defaults()} and change fields with the {@code with...}
 * methods.
 *
 * @param maxConnections connections served at once; one more is accepted, answered ERROR(ENCLAVE_UNAVAILABLE) and
 *     closed (default 16)
 * @param workerThreads threads running handler calls, shared by all connections (default 4)
 * @param maxQueuedRequests requests waiting for a worker; beyond, ERROR(ENCLAVE_UNAVAILABLE, "enclave busy") (256)
 * @param maxInFlightPerConnection requests of one connection being handled or queued; beyond, the server stops
 *     reading that connection until one is answered (backpressure) (default 64)
 * @param maxPayloadBytes frame payload bound (default 4 MiB)
 * @param frameReadTimeout how long a frame may stay half-received before the connection is closed (default 5 s)
 * @param writeTimeout how long a frame write may stay blocked on a peer that does not read (default 5 s)
 * @param stopGrace how long {@link EnclaveServer#stop} waits for running handler calls before interrupting them (2 s)
 */
public record EnclaveServerConfig(
    int maxConnections,
    int workerThreads,
    int maxQueuedRequests,
    int maxInFlightPerConnection,
    int maxPayloadBytes,
    Duration frameReadTimeout,
    Duration writeTimeout,
    Duration stopGrace) {

  public EnclaveServerConfig {
    if (maxConnections < 1 || workerThreads < 1 || maxQueuedRequests < 1 || maxInFlightPerConnection < 1) {
      throw new IllegalArgumentException("connection, worker, queue and in-flight limits must be >= 1");
    }
    if (maxPayloadBytes < FrameFormat.MIN_MAX_PAYLOAD_BYTES) {
      throw new IllegalArgumentException("maxPayloadBytes must be >= " + FrameFormat.MIN_MAX_PAYLOAD_BYTES);
    }
    for (Duration d : new Duration[] {frameReadTimeout, writeTimeout}) {
      Objects.requireNonNull(d, "timeout");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("timeouts must be > 0");
      }
    }
    Objects.requireNonNull(stopGrace, "stopGrace");
  }

  public static EnclaveServerConfig defaults() {
    return new EnclaveServerConfig(16, 4, 256, 64, FrameFormat.DEFAULT_MAX_PAYLOAD_BYTES, Duration.ofSeconds(5),
        Duration.ofSeconds(5), Duration.ofSeconds(2));
  }

  public EnclaveServerConfig withMaxConnections(int v) {
    return new EnclaveServerConfig(v, workerThreads, maxQueuedRequests, maxInFlightPerConnection, maxPayloadBytes,
        frameReadTimeout, writeTimeout, stopGrace);
  }

  public EnclaveServerConfig withWorkerThreads(int v) {
    return new EnclaveServerConfig(maxConnections, v, maxQueuedRequests, maxInFlightPerConnection, maxPayloadBytes,
        frameReadTimeout, writeTimeout, stopGrace);
  }

  public EnclaveServerConfig withMaxQueuedRequests(int v) {
    return new EnclaveServerConfig(maxConnections, workerThreads, v, maxInFlightPerConnection, maxPayloadBytes,
        frameReadTimeout, writeTimeout, stopGrace);
  }

  public EnclaveServerConfig withMaxInFlightPerConnection(int v) {
    return new EnclaveServerConfig(maxConnections, workerThreads, maxQueuedRequests, v, maxPayloadBytes,
        frameReadTimeout, writeTimeout, stopGrace);
  }

  public EnclaveServerConfig withMaxPayloadBytes(int v) {
    return new EnclaveServerConfig(maxConnections, workerThreads, maxQueuedRequests, maxInFlightPerConnection, v,
        frameReadTimeout, writeTimeout, stopGrace);
  }

  public EnclaveServerConfig withFrameReadTimeout(Duration v) {
    return new EnclaveServerConfig(maxConnections, workerThreads, maxQueuedRequests, maxInFlightPerConnection,
        maxPayloadBytes, v, writeTimeout, stopGrace);
  }

  public EnclaveServerConfig withWriteTimeout(Duration v) {
    return new EnclaveServerConfig(maxConnections, workerThreads, maxQueuedRequests, maxInFlightPerConnection,
        maxPayloadBytes, frameReadTimeout, v, stopGrace);
  }

  public EnclaveServerConfig withStopGrace(Duration v) {
    return new EnclaveServerConfig(maxConnections, workerThreads, maxQueuedRequests, maxInFlightPerConnection,
        maxPayloadBytes, frameReadTimeout, writeTimeout, v);
  }
}
