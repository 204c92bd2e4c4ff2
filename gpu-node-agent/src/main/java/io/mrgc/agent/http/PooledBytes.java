package io.mrgc.agent.http;

import io.mrgc.agent.buffers.RequestBuffers;
import io.vertx.core.buffer.Buffer;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Bytes appended into the request's heap pool buffers: when one is full, a larger one is taken and the bytes
 * copied over (the smaller stays held by the request and is scrubbed by its wash), so no plaintext lands in a
 * growing heap array that the garbage collector would free unzeroed.
 */
final class PooledBytes extends OutputStream {
  private final RequestBuffers buffers;
  private ByteBuffer current;

  PooledBytes(RequestBuffers buffers, int initialBytes) {
    this.buffers = buffers;
    this.current = buffers.bytes(Math.max(1, initialBytes)).clear();
  }

  int size() {
    return current.position();
  }

  /** Appends a chunk as received from the network, copied straight into the pool buffer. */
  void write(Buffer chunk) {
    int length = chunk.length();
    ensure(length);
    chunk.getBytes(0, length, current.array(), current.arrayOffset() + current.position());
    current.position(current.position() + length);
  }

  @Override
  public void write(int b) {
    ensure(1);
    current.put((byte) b);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) {
    ensure(length);
    current.put(bytes, offset, length);
  }

  private void ensure(int more) {
    if (current.remaining() >= more) {
      return;
    }
    long needed = (long) current.position() + more;
    ByteBuffer larger = buffers.bytes((int) Math.min(Integer.MAX_VALUE, Math.max(needed, 2L * current.capacity())))
        .clear();
    current.flip();
    larger.put(current);
    current = larger;
  }

  /** What was written: a view from position 0 to the end of the data (backed by a pool buffer's array). */
  ByteBuffer bytes() {
    return current.duplicate().flip();
  }
}
