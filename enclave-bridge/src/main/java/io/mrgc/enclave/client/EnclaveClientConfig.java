package io.mrgc.enclave.client;

import io.mrgc.enclave.protocol.FrameFormat;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of an {@link EnclaveClient}. Start from {@link #defaults()}.
 *
 * @param callTimeout how long one call may take end to end, connecting included (default 5 s)
 * @param connections multiplexed connections kept to the enclave, used round robin (default 2)
 * @param maxPendingPerConnection calls awaiting an answer on one connection; beyond, ENCLAVE_UNAVAILABLE (1024)
 * @param maxPayloadBytes frame payload bound; a request over it fails with MALFORMED without being sent (4 MiB)
 * @param frameReadTimeout how long an answer frame may stay half-received before the connection is dropped (5 s)
 * @param writeTimeout how long a request write may stay blocked on an enclave that does not read (5 s)
 */
public record EnclaveClientConfig(
    Duration callTimeout,
    int connections,
    int maxPendingPerConnection,
    int maxPayloadBytes,
    Duration frameReadTimeout,
    Duration writeTimeout) {

  public EnclaveClientConfig {
    for (Duration d : new Duration[] {callTimeout, frameReadTimeout, writeTimeout}) {
      Objects.requireNonNull(d, "timeout");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("timeouts must be > 0");
      }
    }
    if (connections < 1 || maxPendingPerConnection < 1) {
      throw new IllegalArgumentException("connections and maxPendingPerConnection must be >= 1");
    }
    if (maxPayloadBytes < FrameFormat.MIN_MAX_PAYLOAD_BYTES) {
      throw new IllegalArgumentException("maxPayloadBytes must be >= " + FrameFormat.MIN_MAX_PAYLOAD_BYTES);
    }
  }

  public static EnclaveClientConfig defaults() {
    return new EnclaveClientConfig(Duration.ofSeconds(5), 2, 1024, FrameFormat.DEFAULT_MAX_PAYLOAD_BYTES,
        Duration.ofSeconds(5), Duration.ofSeconds(5));
  }

  public EnclaveClientConfig withCallTimeout(Duration v) {
    return new EnclaveClientConfig(v, connections, maxPendingPerConnection, maxPayloadBytes, frameReadTimeout,
        writeTimeout);
  }

  public EnclaveClientConfig withConnections(int v) {
    return new EnclaveClientConfig(callTimeout, v, maxPendingPerConnection, maxPayloadBytes, frameReadTimeout,
        writeTimeout);
  }

  public EnclaveClientConfig withMaxPendingPerConnection(int v) {
    return new EnclaveClientConfig(callTimeout, connections, v, maxPayloadBytes, frameReadTimeout, writeTimeout);
  }

  public EnclaveClientConfig withMaxPayloadBytes(int v) {
    return new EnclaveClientConfig(callTimeout, connections, maxPendingPerConnection, v, frameReadTimeout,
        writeTimeout);
  }

  public EnclaveClientConfig withFrameReadTimeout(Duration v) {
    return new EnclaveClientConfig(callTimeout, connections, maxPendingPerConnection, maxPayloadBytes, v,
        writeTimeout);
  }

  public EnclaveClientConfig withWriteTimeout(Duration v) {
    return new EnclaveClientConfig(callTimeout, connections, maxPendingPerConnection, maxPayloadBytes,
        frameReadTimeout, v);
  }
}
