package io.mrgc.cluster.models;

import java.io.IOException;
import java.util.function.Consumer;

/** Where published model versions live: the directory (locally) or FSx for Lustre (AWS) that agents load from. */
public interface ModelStore extends AutoCloseable {
  /**
   * Puts {@code version} into the store, its bytes verified against its manifest on the way; done when agents can
   * read it at {@code <model root>/<store path>}. Idempotent: the same files again succeed, other files under the
   * same store path are refused. {@code progress} receives lines for the operator.
   *
   * @return where the version went, for the operator
   */
  String put(StoredVersion version, Consumer<String> progress) throws IOException;

  /** Closes the clients the store made for itself (none by default). */
  @Override
  default void close() {}
}
