package io.mrgc.enclave.transport;

import java.io.Closeable;
import java.io.IOException;

/** A listening endpoint. {@link #close} (from any thread) ends a blocked {@link #accept} with an IOException. */
public interface Listener extends Closeable {
  /** Waits for the next connection. */
  Connection accept() throws IOException;

  boolean isOpen();

  @Override
  void close();

  String describe();
}
