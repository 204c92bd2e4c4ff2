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
 * The pool buffers one request holds. Everything is given back at once by {@link #releaseAll()} before the
 * request's wash, so the wash finds every buffer released (and the clean-state step would fail otherwise).
 * Thread-safe: the event loop reads the body, the model's worker thread builds tensors.
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

  /** Gives every buffer back to its pool (their bytes stay until the wash scrubs them). */
  public synchronized void releaseAll() {
    held.forEach(h -> h.pool().release(h.buffer()));
    held.clear();
  }
}
