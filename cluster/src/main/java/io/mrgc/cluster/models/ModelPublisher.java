package io.mrgc.cluster.models;

import io.mrgc.state.Futures;
import io.mrgc.state.ModelRegistry;
import io.mrgc.state.ModelState;
import io.mrgc.state.items.ModelItem;
import java.io.IOException;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Publishes a checked model version: registry row PUBLISHING, files into the model store, row AVAILABLE (agents load
 * only AVAILABLE versions, so they never see one half stored). A failure after the row was written leaves it
 * PUBLISHING, and the same command run again resumes it; the same files published again are a no-op.
 */
public final class ModelPublisher {
  /** The version's row as published, where its files are, and whether it was already AVAILABLE before. */
  public record Published(ModelItem row, String where, boolean alreadyAvailable) {}

  private final ModelRegistry registry;
  private final ModelStore store;
  private final Consumer<String> progress;

  public ModelPublisher(ModelRegistry registry, ModelStore store, Consumer<String> progress) {
    this.registry = registry;
    this.store = store;
    this.progress = progress;
  }

  public Published publish(StoredVersion version, String publishedBy) {
    ModelItem existing = Await.value(registry.get(version.name(), version.version()));
    if (existing != null && !ModelState.PUBLISHING.name().equals(existing.getState())) {
      if (ModelState.AVAILABLE.name().equals(existing.getState())
          && version.manifestSha256().equals(existing.getManifestSha256())) {
        return new Published(existing, existing.getStorePath(), true);
      }
      throw refused(existing, version);
    }
    if (existing != null) {
      progress.accept("resuming the publish of " + version.id() + " (PUBLISHING since "
          + Instant.ofEpochMilli(existing.getPublishedAt()) + " by " + existing.getPublishedBy() + ")");
    }
    ModelItem row = row(version, publishedBy, System.currentTimeMillis());
    Await.value(registry.beginPublish(row));
    try {
      String where = store.put(version, progress);
      ModelItem available = Await.value(registry.markAvailable(version.name(), version.version(),
          System.currentTimeMillis()));
      return new Published(available, where, false);
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(version.id() + " stays PUBLISHING (agents do not load it): "
          + Futures.unwrap(e).getMessage() + "; fix that and run the same command again: it resumes the publish",
          Futures.unwrap(e));
    }
  }

  private IllegalStateException refused(ModelItem existing, StoredVersion version) {
    long next = Await.value(registry.versions(version.name())).stream().mapToLong(ModelItem::getVersion).max()
        .orElse(0) + 1;
    String what = ModelState.AVAILABLE.name().equals(existing.getState()) ? "is already AVAILABLE with other files"
        : "was RETIRED" + (existing.getStateReason() == null ? "" : " (" + existing.getStateReason() + ")");
    return new IllegalStateException("model " + existing.id() + " " + what + ", published by "
        + existing.getPublishedBy() + " at " + Instant.ofEpochMilli(existing.getPublishedAt())
        + "; a version is published once: publish these files as a new version with --version " + next);
  }

  static ModelItem row(StoredVersion version, String publishedBy, long now) {
    ModelItem row = new ModelItem();
    row.setName(version.name());
    row.setVersion(version.version());
    row.setManifestSha256(version.manifestSha256());
    row.setSizeBytes(version.sizeBytes());
    row.setStorePath(version.storePath());
    row.setPublishedBy(publishedBy);
    row.setPublishedAt(now);
    row.setUpdatedAt(now);
    return row;
  }
}
