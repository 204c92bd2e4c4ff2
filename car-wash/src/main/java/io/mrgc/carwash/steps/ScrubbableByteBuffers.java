package io.mrgc.carwash.steps;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A pool of reusable fixed-size byte buffers (direct or heap) for request bodies, decrypted plaintext and outputs.
 * The agent {@link #acquire()}s buffers while it serves a request and {@link #release}s them afterwards; the wash
 * then {@link #scrub()}s every buffer the pool ever created (handed out or not) and {@link #isClean()} checks that
 * every byte is zero and that no buffer is still handed out (a holder could still write tenant data into it).
 *
 * <p>At most {@code maxBuffers} buffers of {@code bufferSize} bytes each, created on demand. Thread-safe.
 */
public final class ScrubbableByteBuffers implements Scrubbable {
  private static final int ZERO_CHUNK = 64 * 1024;
  private static final byte[] ZEROS = new byte[ZERO_CHUNK];

  private final String name;
  private final int bufferSize;
  private final int maxBuffers;
  private final boolean direct;
  private final List<ByteBuffer> all = new ArrayList<>();
  private final Deque<ByteBuffer> free = new ArrayDeque<>();
  private final Set<ByteBuffer> handedOut = Collections.newSetFromMap(new IdentityHashMap<>());

  public ScrubbableByteBuffers(String name, int bufferSize, int maxBuffers, boolean direct) {
    if (bufferSize <= 0) {
      throw new IllegalArgumentException("bufferSize must be positive, got " + bufferSize);
    }
    if (maxBuffers <= 0) {
      throw new IllegalArgumentException("maxBuffers must be positive, got " + maxBuffers);
    }
    this.name = name;
    this.bufferSize = bufferSize;
    this.maxBuffers = maxBuffers;
    this.direct = direct;
  }

  @Override
  public String name() {
    return name;
  }

  public int bufferSize() {
    return bufferSize;
  }

  /** A buffer of {@link #bufferSize()} bytes, position 0, limit = capacity; throws if all are handed out. */
  public synchronized ByteBuffer acquire() {
    ByteBuffer buffer = free.pollFirst();
    if (buffer == null) {
      if (all.size() >= maxBuffers) {
        throw new IllegalStateException("buffer pool " + name + " exhausted: " + maxBuffers + " buffers of "
            + bufferSize + " bytes in use");
      }
      buffer = direct ? ByteBuffer.allocateDirect(bufferSize) : ByteBuffer.allocate(bufferSize);
      all.add(buffer);
    }
    buffer.clear();
    handedOut.add(buffer);
    return buffer;
  }

  /** Gives a buffer back (it is zeroed by the next scrub, not here). */
  public synchronized void release(ByteBuffer buffer) {
    if (!handedOut.remove(buffer)) {
      throw new IllegalArgumentException("buffer is not handed out by pool " + name);
    }
    buffer.clear();
    free.addFirst(buffer);
  }

  /** How many buffers were created so far / are handed out now. */
  public synchronized int created() {
    return all.size();
  }

  public synchronized int inUse() {
    return handedOut.size();
  }

  /** Zeroes every byte of every buffer the pool created, handed out or not. */
  @Override
  public synchronized void scrub() {
    for (ByteBuffer buffer : all) {
      zero(buffer);
    }
  }

  /** True if every buffer is back in the pool and every byte of every buffer is zero. */
  @Override
  public synchronized boolean isClean() {
    if (!handedOut.isEmpty()) {
      return false;
    }
    for (ByteBuffer buffer : all) {
      if (!isZero(buffer)) {
        return false;
      }
    }
    return true;
  }

  /** Bytes the pool holds (for the wash's detail). */
  public synchronized long bytes() {
    return (long) all.size() * bufferSize;
  }

  static void zero(ByteBuffer buffer) {
    if (buffer.hasArray()) {
      java.util.Arrays.fill(buffer.array(), buffer.arrayOffset(), buffer.arrayOffset() + buffer.capacity(), (byte) 0);
      return;
    }
    int capacity = buffer.capacity();
    for (int index = 0; index < capacity; index += ZERO_CHUNK) {
      buffer.put(index, ZEROS, 0, Math.min(ZERO_CHUNK, capacity - index));
    }
  }

  static boolean isZero(ByteBuffer buffer) {
    int capacity = buffer.capacity();
    int index = 0;
    for (; index + Long.BYTES <= capacity; index += Long.BYTES) {
      if (buffer.getLong(index) != 0) {
        return false;
      }
    }
    for (; index < capacity; index++) {
      if (buffer.get(index) != 0) {
        return false;
      }
    }
    return true;
  }
}
