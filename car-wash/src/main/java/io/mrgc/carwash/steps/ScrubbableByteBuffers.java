package io.mrgc.carwash.steps;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A pool of reusable byte buffers (direct or heap) for request bodies, decrypted plaintext, token ids, tensors and
 * outputs. The agent {@link #acquire}s buffers while it serves a request and {@link #release}s them afterwards; the
 * wash then {@link #scrub()}s and {@link #isClean()} verifies.
 *
 * <p>Buffers are created on demand, at most {@code maxBuffers} of them: {@link #acquire()} gives one of
 * {@code bufferSize} bytes, {@link #acquire(int)} one of at least the given size (the smallest free one that fits, or
 * a new one of {@code bufferSize} bytes or the next power of two above the request). When the pool is full and no
 * free buffer fits, a free one is zeroed and dropped to make room.
 *
 * <p>Scrubbing is bounded by what was used: a buffer is dirty from the moment it is handed out until the first scrub
 * after its release; {@link #scrub()} zeroes every dirty buffer (handed out or not) and {@link #isClean()} is true only
 * if no buffer is handed out and every dirty buffer and every buffer the last scrub zeroed reads back as all zeros.
 * A buffer not handed out since it was last verified zero is not read again: only a holder writes a buffer, so it
 * cannot have changed. {@link #contains} reads every buffer, for audits. Thread-safe.
 */
public final class ScrubbableByteBuffers implements Scrubbable {
  /** The largest buffer the pool makes. */
  public static final int MAX_BUFFER_BYTES = 1 << 30;
  private static final int ZERO_CHUNK = 64 * 1024;
  private static final byte[] ZEROS = new byte[ZERO_CHUNK];

  private final String name;
  private final int bufferSize;
  private final int maxBuffers;
  private final boolean direct;
  private final List<ByteBuffer> all = new ArrayList<>();
  private final List<ByteBuffer> free = new ArrayList<>();
  private final Set<ByteBuffer> handedOut = identitySet();
  private final Set<ByteBuffer> dirty = identitySet();
  private final Set<ByteBuffer> zeroedByLastScrub = identitySet();

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

  public boolean direct() {
    return direct;
  }

  /** A buffer of {@link #bufferSize()} bytes, position 0, limit = capacity; throws if all are handed out. */
  public ByteBuffer acquire() {
    return acquire(bufferSize);
  }

  /**
   * A buffer with at least {@code bytes} bytes: position 0, limit {@code bytes} (capacity may be larger; a holder
   * may {@code clear()} it and use all of it). Throws if every buffer is handed out and the pool is full, or if
   * {@code bytes} is not in 1..{@value #MAX_BUFFER_BYTES}.
   */
  public synchronized ByteBuffer acquire(int bytes) {
    if (bytes <= 0 || bytes > MAX_BUFFER_BYTES) {
      throw new IllegalArgumentException("buffer pool " + name + ": cannot hand out " + bytes + " bytes (1.."
          + MAX_BUFFER_BYTES + ")");
    }
    ByteBuffer buffer = smallestFreeFitting(bytes);
    if (buffer == null) {
      if (all.size() >= maxBuffers) {
        if (free.isEmpty()) {
          throw new IllegalStateException("buffer pool " + name + " exhausted: " + maxBuffers + " buffers of "
              + bufferSize + " bytes in use");
        }
        drop(free.get(0));
      }
      int capacity = bytes <= bufferSize ? bufferSize : Math.min(MAX_BUFFER_BYTES, Integer.highestOneBit(bytes - 1) << 1);
      buffer = direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
      all.add(buffer);
    } else {
      free.remove(buffer);
    }
    buffer.clear().limit(bytes);
    handedOut.add(buffer);
    dirty.add(buffer);
    zeroedByLastScrub.remove(buffer);
    return buffer;
  }

  private ByteBuffer smallestFreeFitting(int bytes) {
    ByteBuffer best = null;
    for (ByteBuffer candidate : free) {
      if (candidate.capacity() >= bytes && (best == null || candidate.capacity() < best.capacity())) {
        best = candidate;
      }
    }
    return best;
  }

  /** Makes room: the buffer leaves the pool zeroed, so nothing it held outlives it. */
  private void drop(ByteBuffer buffer) {
    zero(buffer);
    free.remove(buffer);
    all.remove(buffer);
    dirty.remove(buffer);
    zeroedByLastScrub.remove(buffer);
  }

  /** Gives a buffer back (it is zeroed by the next scrub, not here). */
  public synchronized void release(ByteBuffer buffer) {
    if (!handedOut.remove(buffer)) {
      throw new IllegalArgumentException("buffer is not handed out by pool " + name);
    }
    buffer.clear();
    free.add(0, buffer);
  }

  /**
   * Zeroes a buffer this pool handed out, before its holder gives it back: the scrub of one request's buffers while
   * other requests (of the same tenant) still hold theirs. The buffer stays dirty for the pool's next
   * {@link #scrub()} and {@link #isClean()}, which the wash between tenants runs.
   */
  public void zeroHandedOut(ByteBuffer buffer) {
    checkHandedOut(buffer);
    zero(buffer); // the holder owns the buffer's bytes: no lock needed to write them
  }

  /** Whether a buffer this pool handed out reads back as all zeros. */
  public boolean handedOutReadsZero(ByteBuffer buffer) {
    checkHandedOut(buffer);
    return isZero(buffer);
  }

  private synchronized void checkHandedOut(ByteBuffer buffer) {
    if (!handedOut.contains(buffer)) {
      throw new IllegalArgumentException("buffer is not handed out by pool " + name);
    }
  }

  /** How many buffers were created and are still in the pool / are handed out now. */
  public synchronized int created() {
    return all.size();
  }

  public synchronized int inUse() {
    return handedOut.size();
  }

  /** Zeroes every buffer handed out since the last scrub, including those still handed out. */
  @Override
  public synchronized void scrub() {
    zeroedByLastScrub.clear();
    for (ByteBuffer buffer : dirty) {
      zero(buffer);
      zeroedByLastScrub.add(buffer);
    }
    dirty.retainAll(handedOut); // a holder may still write into those
  }

  /**
   * True if no buffer is handed out and every buffer used since the one-but-last scrub (dirty, or zeroed by the
   * last scrub) reads back as all zeros.
   */
  @Override
  public synchronized boolean isClean() {
    if (!handedOut.isEmpty()) {
      return false;
    }
    for (Set<ByteBuffer> used : List.of(dirty, zeroedByLastScrub)) {
      for (ByteBuffer buffer : used) {
        if (!isZero(buffer)) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Whether any buffer the pool holds (handed out or not, whatever its state) contains {@code pattern} anywhere in
   * its capacity: the residue audit that tests and operators run after a wash.
   */
  public synchronized boolean contains(byte[] pattern) {
    if (pattern.length == 0) {
      throw new IllegalArgumentException("pattern must not be empty");
    }
    for (ByteBuffer buffer : all) {
      byte[] bytes = new byte[buffer.capacity()];
      whole(buffer).get(0, bytes);
      if (indexOf(bytes, pattern) >= 0) {
        return true;
      }
    }
    return false;
  }

  /** Bytes the pool holds (for the wash's detail). */
  public synchronized long bytes() {
    return all.stream().mapToLong(ByteBuffer::capacity).sum();
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** The whole capacity, whatever limit a holder set (absolute gets and puts respect the limit). */
  private static ByteBuffer whole(ByteBuffer buffer) {
    return buffer.duplicate().clear();
  }

  static void zero(ByteBuffer held) {
    if (held.hasArray()) {
      Arrays.fill(held.array(), held.arrayOffset(), held.arrayOffset() + held.capacity(), (byte) 0);
      return;
    }
    ByteBuffer buffer = whole(held);
    int capacity = buffer.capacity();
    for (int index = 0; index < capacity; index += ZERO_CHUNK) {
      buffer.put(index, ZEROS, 0, Math.min(ZERO_CHUNK, capacity - index));
    }
  }

  static boolean isZero(ByteBuffer held) {
    ByteBuffer buffer = whole(held);
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

  private static Set<ByteBuffer> identitySet() {
    return Collections.newSetFromMap(new IdentityHashMap<>());
  }
}
