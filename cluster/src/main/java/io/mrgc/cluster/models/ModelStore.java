package io.mrgc.cluster.models;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
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

  /**
   * One store made of several, filled in order (in AWS each region's FSx has its own data repository): the version is
   * in the store once every one has it; a failure stops at that one (a re-run puts again, idempotently).
   */
  static ModelStore all(List<ModelStore> stores) {
    if (stores.size() == 1) {
      return stores.get(0);
    }
    return new ModelStore() {
      @Override
      public String put(StoredVersion version, Consumer<String> progress) throws IOException {
        List<String> where = new ArrayList<>();
        for (ModelStore store : stores) {
          where.add(store.put(version, progress));
        }
        return String.join("; ", where);
      }

      @Override
      public void close() {
        stores.forEach(ModelStore::close);
      }
    };
  }
}
