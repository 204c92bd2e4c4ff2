package io.mrgc.enclave.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Streams over a transport's raw read and write calls, which the connections hand over directly (no shared blocking
 * lock between a waiting read and a write, unlike {@code Channels.newInputStream}).
 */
final class RawStreams {
  /** Reads up to {@code len} bytes into {@code b} at {@code off}; -1 at end of stream; blocks for at least one. */
  @FunctionalInterface
  interface Reader {
    int read(byte[] b, int off, int len) throws IOException;
  }

  /** Writes all {@code len} bytes of {@code b} from {@code off}. */
  @FunctionalInterface
  interface Writer {
    void write(byte[] b, int off, int len) throws IOException;
  }

  private RawStreams() {}

  static InputStream input(Reader reader) {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n <= 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        return len == 0 ? 0 : reader.read(b, off, len);
      }
    };
  }

  static OutputStream output(Writer writer) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        writer.write(b, off, len);
      }
    };
  }
}
