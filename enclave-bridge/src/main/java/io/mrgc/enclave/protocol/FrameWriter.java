package io.mrgc.enclave.protocol;

import io.mrgc.enclave.crypto.Scratch;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;

/**
 * Writes whole frames; thread-safe (one frame at a time, frames from several threads never interleave). Refuses a
 * payload over the bound before writing anything. Records when a write started so a watchdog can close a connection
 * whose peer stopped reading.
 */
public final class FrameWriter {
  private final OutputStream out;
  private final int maxPayloadBytes;
  private final Object lock = new Object();
  private volatile boolean writing;
  private volatile long writeStartedNanos;

  public FrameWriter(OutputStream out) {
    this(out, FrameFormat.DEFAULT_MAX_PAYLOAD_BYTES);
  }

  public FrameWriter(OutputStream out, int maxPayloadBytes) {
    this.out = Objects.requireNonNull(out, "out");
    this.maxPayloadBytes = FrameFormat.checkBound(maxPayloadBytes);
  }

  /** A writer over a blocking channel (writes call the channel directly, without the blocking lock of Channels). */
  public static FrameWriter of(WritableByteChannel channel, int maxPayloadBytes) {
    Objects.requireNonNull(channel, "channel");
    OutputStream os = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(b, off, len);
        while (bb.hasRemaining()) {
          channel.write(bb);
        }
      }
    };
    return new FrameWriter(os, maxPayloadBytes);
  }

  public int maxPayloadBytes() {
    return maxPayloadBytes;
  }

  public void write(Frame frame) throws IOException {
    write(frame.type(), frame.requestId(), frame.payload());
  }

  /** Writes one frame and flushes. */
  public void write(MessageType type, long requestId, byte[] payload) throws IOException {
    Objects.requireNonNull(type, "type");
    if (payload.length > maxPayloadBytes) {
      throw new ProtocolException(ProtocolException.Reason.FRAME_TOO_LARGE, requestId,
          "payload of " + payload.length + " bytes, bound is " + maxPayloadBytes);
    }
    byte[] header = FrameFormat.header(type, requestId, payload.length);
    synchronized (lock) {
      writeStartedNanos = System.nanoTime();
      writing = true;
      try {
        if (payload.length <= 8192) {
          byte[] all = Scratch.bytes(header.length + payload.length);
          try {
            System.arraycopy(header, 0, all, 0, header.length);
            System.arraycopy(payload, 0, all, header.length, payload.length);
            out.write(all, 0, all.length);
          } finally {
            Scratch.zero(all); // a copy of the payload, which may be plaintext
          }
        } else {
          out.write(header, 0, header.length);
          out.write(payload, 0, payload.length);
        }
        out.flush();
      } finally {
        writing = false;
      }
    }
  }

  /** Whether a frame write is in progress (possibly blocked on a peer that does not read). */
  public boolean writing() {
    return writing;
  }

  /** {@link System#nanoTime} when the current write started; meaningful while {@link #writing}. */
  public long writeStartedNanos() {
    return writeStartedNanos;
  }
}
