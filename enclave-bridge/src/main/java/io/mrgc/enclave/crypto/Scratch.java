package io.mrgc.enclave.crypto;

import io.mrgc.wire.crypto.Bytes;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Scratch buffers of the enclave path that may hold plaintext on its way (frame payloads, codec output, socket
 * buffers). Their owners zero them as soon as the bytes are handed on; every one is made or registered here so a
 * test can watch them all and scan them for plaintext after a round trip (EnclaveBufferResidueTest). Without a
 * watcher (production) registering costs one volatile read.
 */
public final class Scratch {
  private static final byte[] ZEROS = new byte[64 * 1024];
  private static volatile Consumer<Object> watcher;

  private Scratch() {}

  /** A new zeroed array of {@code n} bytes, registered. */
  public static byte[] bytes(int n) {
    return track(new byte[n]);
  }

  /** Registers a buffer (a byte[], a ByteBuffer, or a native memory block) and returns it. */
  public static <T> T track(T buffer) {
    Consumer<Object> w = watcher;
    if (w != null) {
      w.accept(buffer);
    }
    return buffer;
  }

  /** Zeroes an array (null is ignored). */
  public static void zero(byte[] buffer) {
    Bytes.zero(buffer);
  }

  /** Zeroes the first {@code n} bytes of a buffer (heap or direct); its position and limit are left cleared. */
  public static void zero(ByteBuffer buffer, int n) {
    buffer.clear();
    while (n > 0) {
      int chunk = Math.min(n, ZEROS.length);
      buffer.put(ZEROS, 0, chunk);
      n -= chunk;
    }
    buffer.clear();
  }

  /** Zeroes the array and returns a copy of it grown to {@code newLength}, registered (for growing buffers). */
  public static byte[] grow(byte[] old, int newLength) {
    byte[] bigger = track(Arrays.copyOf(old, newLength));
    Bytes.zero(old);
    return bigger;
  }

  /** Tests only: {@code w} is told of every scratch buffer made from now on; null stops watching. */
  public static void watch(Consumer<Object> w) {
    watcher = w;
  }
}
