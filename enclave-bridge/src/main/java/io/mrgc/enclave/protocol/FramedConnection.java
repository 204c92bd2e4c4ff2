package io.mrgc.enclave.protocol;

import io.mrgc.enclave.transport.Connection;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * A transport connection with a frame reader and writer on top, and the stall checks a {@link StallWatchdog} runs:
 * a frame that stays half-read longer than the frame read timeout, or a write that stays blocked longer than the
 * write timeout (the peer stopped reading), closes the connection.
 */
public final class FramedConnection implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FramedConnection.class);
  private final Connection connection;
  private final FrameReader reader;
  private final FrameWriter writer;
  private final long frameReadTimeoutNanos;
  private final long writeTimeoutNanos;
  private volatile String closeReason;

  public FramedConnection(Connection connection, int maxPayloadBytes, Duration frameReadTimeout,
      Duration writeTimeout) {
    this.connection = Objects.requireNonNull(connection, "connection");
    this.reader = new FrameReader(connection.input(), maxPayloadBytes);
    this.writer = new FrameWriter(connection.output(), maxPayloadBytes);
    this.frameReadTimeoutNanos = positive(frameReadTimeout, "frameReadTimeout").toNanos();
    this.writeTimeoutNanos = positive(writeTimeout, "writeTimeout").toNanos();
  }

  static Duration positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0");
    }
    return d;
  }

  /** The next frame, or null at a clean end of stream. */
  public Frame read() throws IOException {
    return reader.read();
  }

  /** Encodes and writes one message; the encoded payload (it may carry plaintext) is zeroed afterwards. */
  public void send(long requestId, Message message) throws IOException {
    byte[] payload = MessageCodec.encode(message);
    try {
      writer.write(message.type(), requestId, payload);
    } finally {
      io.mrgc.enclave.crypto.Scratch.zero(payload);
    }
  }

  public FrameReader reader() {
    return reader;
  }

  public FrameWriter writer() {
    return writer;
  }

  public boolean isOpen() {
    return connection.isOpen();
  }

  public String describe() {
    return connection.describe();
  }

  /** Why this side closed the connection (stall...), or null. */
  public String closeReason() {
    return closeReason;
  }

  public void close(String reason) {
    if (closeReason == null) {
      closeReason = reason;
    }
    connection.close();
  }

  @Override
  public void close() {
    connection.close();
  }

  /**
   * Closes the connection if a frame has been half-read, or a write blocked, for longer than its timeout.
   *
   * @return true if the connection is (now) closed and need not be watched any more
   */
  public boolean closeIfStalled(long nowNanos) {
    if (!connection.isOpen()) {
      return true;
    }
    if (reader.inFrame() && nowNanos - reader.frameStartedNanos() > frameReadTimeoutNanos) {
      LOG.warn("{}: peer sent a partial frame and stalled for over {} ms; closing", describe(),
          frameReadTimeoutNanos / 1_000_000);
      close("partial frame timed out");
      return true;
    }
    if (writer.writing() && nowNanos - writer.writeStartedNanos() > writeTimeoutNanos) {
      LOG.warn("{}: peer has not read a frame for over {} ms; closing", describe(), writeTimeoutNanos / 1_000_000);
      close("write timed out");
      return true;
    }
    return false;
  }
}
