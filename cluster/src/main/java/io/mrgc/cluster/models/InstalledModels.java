package io.mrgc.cluster.models;

import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.carwash.integrity.ManifestException;
import io.mrgc.state.ModelRegistry;
import io.mrgc.state.items.ModelItem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Registers models installed straight into the model root (the bundled ones `mrgc up` installs at
 * {@code <root>/<name>/}) as AVAILABLE versions whose store path is that directory, so that the registry lists every
 * model the cluster serves and retiring one works the same as for a published version.
 */
public final class InstalledModels {
  private InstalledModels() {}

  /** Registers {@code <root>/<name>} as {@code name:version} unless the registry has that version already. */
  public static void register(ModelRegistry registry, Path root, String name, long version, String by) {
    if (Await.value(registry.get(name, version)) != null) {
      return; // a cluster restarted on its --data-dir: the row is there, in whatever state an operator left it
    }
    Path dir = root.resolve(name);
    try {
      Manifest manifest = Manifest.read(name, dir);
      long size = 0;
      for (String file : manifest.files()) {
        size += Files.size(dir.resolve(file));
      }
      long now = System.currentTimeMillis();
      ModelItem row = new ModelItem();
      row.setName(name);
      row.setVersion(version);
      row.setStorePath(name);
      row.setManifestSha256(Manifest.sha256(dir.resolve(Manifest.FILE_NAME)));
      row.setSizeBytes(size);
      row.setPublishedBy(by);
      row.setPublishedAt(now);
      row.setUpdatedAt(now);
      Await.value(registry.beginPublish(row));
      Await.value(registry.markAvailable(name, version, now));
    } catch (ManifestException | IOException e) {
      throw new UncheckedIOException("cannot register the installed model " + dir, e instanceof IOException io ? io
          : new IOException(e.getMessage(), e));
    }
  }
}
