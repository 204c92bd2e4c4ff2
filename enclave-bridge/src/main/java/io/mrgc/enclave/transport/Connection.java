package io.mrgc.enclave.transport;

import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A bidirectional byte stream. One thread may read while others write (writers serialize themselves). {@link #close}
 * is idempotent, may be called from any thread, and makes blocked reads and writes end with an IOException (or
 * end of stream) promptly.
 */
public interface Connection extends Closeable {
  /** Blocking reads; -1 at end of stream. */
  InputStream input();

  /** Blocking writes. */
  OutputStream output();

  boolean isOpen();

  @Override
  void close();

  /** The endpoint and side for logs. */
  String describe();
}
