package io.mrgc.agent.buffers;

import io.mrgc.carwash.steps.ScrubbableByteBuffers;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The pool buffers one request (or one batch's session run) holds. Everything is zeroed and given back at once by
 * {@link #scrubAndRelease()}, the per-request scrub; the wash between tenants then scrubs and verifies the whole
 * pools. Thread-safe: the event loop reads the body, the model's worker thread builds tensors.
 */
public final class RequestBuffers {
  private final ScrubbableByteBuffers bytes;
  private final ScrubbableByteBuffers tensors;
  private final List<Held> held = new ArrayList<>();

  private record Held(ScrubbableByteBuffers pool, ByteBuffer buffer) {}

  RequestBuffers(ScrubbableByteBuffers bytes, ScrubbableByteBuffers tensors) {
    this.bytes = bytes;
    this.tensors = tensors;
  }

  /** A heap buffer (with an array) for at least {@code size} bytes: position 0, limit {@code size}. */
  public ByteBuffer bytes(int size) {
    return take(bytes, size);
  }

  /** A direct native-order buffer of exactly {@code size} bytes remaining (0 allowed), for ONNX Runtime. */
  public ByteBuffer direct(long size) {
    if (size > ScrubbableByteBuffers.MAX_BUFFER_BYTES) {
      throw new IllegalArgumentException("a tensor of " + size + " bytes is larger than the agent's buffers");
    }
    return take(tensors, (int) Math.max(1, size)).limit((int) size).order(ByteOrder.nativeOrder());
  }

  public LongBuffer longs(long count) {
    return direct(count * Long.BYTES).asLongBuffer();
  }

  public IntBuffer ints(long count) {
    return direct(count * Integer.BYTES).asIntBuffer();
  }

  public FloatBuffer floats(long count) {
    return direct(count * Float.BYTES).asFloatBuffer();
  }

  public DoubleBuffer doubles(long count) {
    return direct(count * Double.BYTES).asDoubleBuffer();
  }

  private synchronized ByteBuffer take(ScrubbableByteBuffers pool, int size) {
    ByteBuffer buffer = pool.acquire(size);
    held.add(new Held(pool, buffer));
    return buffer;
  }

  /**
   * What {@link #scrubAndRelease()} did: buffers and bytes zeroed, how many did not read back as zeros, and how long
   * the zeroing and the read-back took.
   */
  public record Scrubbed(int buffers, long bytes, int notZero, long zeroNanos, long verifyNanos) {
    public boolean clean() {
      return notZero == 0;
    }
  }

  /**
   * Zeroes every buffer held, reads each back, then gives them back to their pools (while this holds them nobody
   * else writes them, so the read-back proves the zeroing). Idempotent: a second call finds nothing.
   */
  public synchronized Scrubbed scrubAndRelease() {
    long start = System.nanoTime();
    long bytes = 0;
    for (Held h : held) {
      h.pool().zeroHandedOut(h.buffer());
      bytes += h.buffer().capacity();
    }
    long zeroed = System.nanoTime();
    int notZero = 0;
    for (Held h : held) {
      if (!h.pool().handedOutReadsZero(h.buffer())) {
        notZero++;
      }
    }
    long verified = System.nanoTime();
    held.forEach(h -> h.pool().release(h.buffer()));
    Scrubbed scrubbed = new Scrubbed(held.size(), bytes, notZero, zeroed - start, verified - zeroed);
    held.clear();
    return scrubbed;
  }
}
