package io.mrgc.enclave.transport;

import io.mrgc.enclave.crypto.Scratch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Blocking reads and writes on a socket channel through this connection's own direct buffers, zeroed after every
 * call. Handing the channel a heap buffer instead would make the JDK copy the bytes (plaintext, on this path) into
 * its per-thread temporary direct buffers, which are reused and never cleared. Reads and writes may run at the same
 * time from different threads; each direction is used by one thread at a time (one reader, writers serialized by
 * the frame writer), and each buffer is guarded by its own lock all the same.
 */
final class ScrubbedChannelIo {
  static final int BUFFER_BYTES = 64 * 1024;

  private final SocketChannel ch;
  private final ByteBuffer readBuf = Scratch.track(ByteBuffer.allocateDirect(BUFFER_BYTES));
  private final ByteBuffer writeBuf = Scratch.track(ByteBuffer.allocateDirect(BUFFER_BYTES));

  ScrubbedChannelIo(SocketChannel ch) {
    this.ch = ch;
  }

  int read(byte[] b, int off, int len) throws IOException {
    synchronized (readBuf) {
      readBuf.clear().limit(Math.min(len, BUFFER_BYTES));
      int n = 0;
      try {
        do {
          n = ch.read(readBuf);
        } while (n == 0);
        if (n > 0) {
          readBuf.flip().get(b, off, n);
        }
      } finally {
        Scratch.zero(readBuf, Math.max(readBuf.position(), Math.max(n, 0)));
      }
      return n;
    }
  }

  void write(byte[] b, int off, int len) throws IOException {
    synchronized (writeBuf) {
      int used = Math.min(len, BUFFER_BYTES);
      try {
        while (len > 0) {
          int chunk = Math.min(len, BUFFER_BYTES);
          writeBuf.clear();
          writeBuf.put(b, off, chunk).flip();
          while (writeBuf.hasRemaining()) {
            ch.write(writeBuf);
          }
          off += chunk;
          len -= chunk;
        }
      } finally {
        Scratch.zero(writeBuf, used);
      }
    }
  }
}
