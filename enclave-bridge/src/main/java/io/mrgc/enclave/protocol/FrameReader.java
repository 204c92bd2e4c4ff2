package io.mrgc.enclave.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import io.mrgc.enclave.crypto.Scratch;
import java.util.Objects;

/**
 * Reads frames from a blocking stream, one at a time. The header is validated (magic, version, type, flags, length
 * against the bound) before any payload memory is allocated, and the payload buffer grows with the bytes that
 * actually arrive (a peer announcing 4 MiB and sending 10 bytes costs 64 KiB, not 4 MiB). Never holds more than one
 * frame. Not thread-safe: one reader thread per connection. Payload buffers left behind by growth are zeroed; the
 * returned payload belongs to the caller, who zeroes it once decoded ({@link Frame#scrub}).
 *
 * <p>For stall detection it records when the current frame's first byte arrived ({@link #frameStartedNanos}); a
 * watchdog closes the stream underneath when a frame stays half-read for too long, which ends {@link #read} with an
 * IOException.
 */
public final class FrameReader {
  private static final int INITIAL_CHUNK = 64 * 1024;

  private final InputStream in;
  private final int maxPayloadBytes;
  private final byte[] header = new byte[FrameFormat.HEADER_BYTES];
  private volatile boolean inFrame;
  private volatile long frameStartedNanos;
  private volatile long lastFrameNanos = System.nanoTime();

  public FrameReader(InputStream in) {
    this(in, FrameFormat.DEFAULT_MAX_PAYLOAD_BYTES);
  }

  public FrameReader(InputStream in, int maxPayloadBytes) {
    this.in = Objects.requireNonNull(in, "in");
    this.maxPayloadBytes = FrameFormat.checkBound(maxPayloadBytes);
  }

  /** A reader over a blocking channel (reads call the channel directly, without the blocking lock of Channels). */
  public static FrameReader of(ReadableByteChannel channel, int maxPayloadBytes) {
    Objects.requireNonNull(channel, "channel");
    InputStream is = new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n <= 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        int n;
        do {
          n = channel.read(ByteBuffer.wrap(b, off, len));
        } while (n == 0);
        return n;
      }
    };
    return new FrameReader(is, maxPayloadBytes);
  }

  public int maxPayloadBytes() {
    return maxPayloadBytes;
  }

  /**
   * Reads the next frame. Returns null on a clean end of stream between frames.
   *
   * @throws ProtocolException a malformed header, a payload over the bound, or an end of stream inside a frame
   * @throws IOException from the stream underneath
   */
  public Frame read() throws IOException {
    int got = 0;
    try {
      while (got < FrameFormat.HEADER_BYTES) {
        // the magic is read (and checked) on its own, so that a stranger is refused without waiting for 20 bytes
        int n = in.read(header, got, (got < 4 ? 4 : FrameFormat.HEADER_BYTES) - got);
        if (n < 0) {
          if (got == 0) {
            return null;
          }
          throw new ProtocolException(ProtocolException.Reason.TRUNCATED,
              "stream ended after " + got + " of " + FrameFormat.HEADER_BYTES + " header bytes");
        }
        if (got == 0 && n > 0) {
          frameStartedNanos = System.nanoTime();
          inFrame = true;
        }
        got += n;
        if (got == 4 && FrameFormat.getInt(header, 0) != FrameFormat.MAGIC) {
          throw new ProtocolException(ProtocolException.Reason.BAD_MAGIC, "not a frame of this protocol");
        }
      }
      long requestId = FrameFormat.getLong(header, 8);
      int version = header[4] & 0xFF;
      if (version != FrameFormat.VERSION) {
        throw new ProtocolException(ProtocolException.Reason.UNSUPPORTED_VERSION, requestId,
            "protocol version " + version + ", this side speaks " + FrameFormat.VERSION);
      }
      MessageType type = MessageType.fromCode(header[5] & 0xFF);
      if (type == null) {
        throw new ProtocolException(ProtocolException.Reason.UNKNOWN_TYPE, requestId,
            "message type 0x" + Integer.toHexString(header[5] & 0xFF));
      }
      int flags = ((header[6] & 0xFF) << 8) | (header[7] & 0xFF);
      if (flags != 0) {
        throw new ProtocolException(ProtocolException.Reason.BAD_FLAGS, requestId,
            "reserved flags set: 0x" + Integer.toHexString(flags));
      }
      long length = FrameFormat.getInt(header, 16) & 0xFFFFFFFFL;
      if (length > maxPayloadBytes) {
        throw new ProtocolException(ProtocolException.Reason.FRAME_TOO_LARGE, requestId,
            "payload of " + length + " bytes announced, bound is " + maxPayloadBytes);
      }
      byte[] payload = readPayload((int) length, requestId);
      inFrame = false;
      lastFrameNanos = System.nanoTime();
      return new Frame(type, requestId, payload);
    } catch (EOFException e) {
      throw new ProtocolException(ProtocolException.Reason.TRUNCATED, "stream ended inside a frame");
    }
  }

  /** The payload; each grown-out buffer is zeroed (it may hold plaintext), as is a half-read one on failure. */
  private byte[] readPayload(int length, long requestId) throws IOException {
    byte[] buf = Scratch.bytes(Math.min(length, INITIAL_CHUNK));
    int got = 0;
    boolean complete = false;
    try {
      while (got < length) {
        if (got == buf.length) {
          buf = Scratch.grow(buf, (int) Math.min(length, 2L * buf.length));
        }
        int n = in.read(buf, got, buf.length - got);
        if (n < 0) {
          throw new ProtocolException(ProtocolException.Reason.TRUNCATED, requestId,
              "stream ended after " + got + " of " + length + " payload bytes");
        }
        got += n;
      }
      complete = true;
      return buf;
    } finally {
      if (!complete) {
        Scratch.zero(buf);
      }
    }
  }

  /** Whether a frame has started arriving and is not complete yet. */
  public boolean inFrame() {
    return inFrame;
  }

  /** {@link System#nanoTime} when the current frame's first byte arrived; meaningful while {@link #inFrame}. */
  public long frameStartedNanos() {
    return frameStartedNanos;
  }

  /** {@link System#nanoTime} when the last complete frame was read (or the reader was created). */
  public long lastFrameNanos() {
    return lastFrameNanos;
  }
}
