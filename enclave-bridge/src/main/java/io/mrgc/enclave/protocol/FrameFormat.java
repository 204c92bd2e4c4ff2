package io.mrgc.enclave.protocol;

/**
 * The frame header, all integers big-endian:
 *
 * <pre>
 * offset size field
 *  0     4    magic            0x4D 0x52 0x47 0x45 ("MRGE")
 *  4     1    version          2 (1 before the issue #10 error codes)
 *  5     1    message type     see {@link MessageType}
 *  6     2    flags            reserved, must be 0
 *  8     8    request id       unsigned; chosen by the parent, echoed in the answer; 0 = the connection itself
 * 16     4    payload length   unsigned, at most the frame bound (default 4 MiB)
 * 20     n    payload
 * </pre>
 */
public final class FrameFormat {
  public static final int MAGIC = 0x4D524745;
  /** 2 since the error codes ENVELOPE_EXPIRED, REPLAYED_ENVELOPE and REPLAY_UNVERIFIABLE (issue #10). */
  public static final int VERSION = 2;
  public static final int HEADER_BYTES = 20;
  /** Default bound on a frame's payload: 4 MiB. */
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
  /** Smallest bound accepted by readers and writers (room for any non-blob message). */
  public static final int MIN_MAX_PAYLOAD_BYTES = 4096;

  private FrameFormat() {}

  static int checkBound(int maxPayloadBytes) {
    if (maxPayloadBytes < MIN_MAX_PAYLOAD_BYTES) {
      throw new IllegalArgumentException("maxPayloadBytes must be >= " + MIN_MAX_PAYLOAD_BYTES);
    }
    return maxPayloadBytes;
  }

  static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }

  static int getInt(byte[] b, int off) {
    return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
  }

  static void putLong(byte[] b, int off, long v) {
    putInt(b, off, (int) (v >>> 32));
    putInt(b, off + 4, (int) v);
  }

  static long getLong(byte[] b, int off) {
    return ((long) getInt(b, off) << 32) | (getInt(b, off + 4) & 0xFFFFFFFFL);
  }

  /** Encodes a header for the given fields into a new 20-byte array. */
  public static byte[] header(MessageType type, long requestId, int payloadLength) {
    byte[] h = new byte[HEADER_BYTES];
    putInt(h, 0, MAGIC);
    h[4] = (byte) VERSION;
    h[5] = (byte) type.code();
    h[6] = 0;
    h[7] = 0;
    putLong(h, 8, requestId);
    putInt(h, 16, payloadLength);
    return h;
  }
}
