package io.mrgc.enclave.protocol;

import java.util.Objects;

/**
 * One frame: header fields and the payload. The payload array is owned by the frame (not copied); {@link #toString}
 * never shows payload bytes.
 */
public record Frame(MessageType type, long requestId, byte[] payload) {
  public Frame {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payload, "payload");
  }

  /** Zeroes the payload (once decoded: a payload may carry plaintext). */
  public void scrub() {
    io.mrgc.enclave.crypto.Scratch.zero(payload);
  }

  @Override
  public String toString() {
    return "Frame[" + type + ", requestId=" + Long.toUnsignedString(requestId) + ", " + payload.length + " bytes]";
  }
}
