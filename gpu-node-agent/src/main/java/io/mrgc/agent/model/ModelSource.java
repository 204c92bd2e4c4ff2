package io.mrgc.agent.model;

import io.mrgc.state.items.ModelItem;

/**
 * Where one model version is loaded from, relative to the model root. A registry row's ({@link #registered}): its
 * {@code store_path} ({@code <name>@<version>} for published versions), whose single version folder must be the row's
 * version and whose {@code manifest.sha256} must hash to the row's {@code manifest_sha256}. A directory installed
 * outside the registry ({@link #unregistered}: {@code <name>}, as tests and the bundled install lay it out): its
 * highest version folder, with no registry check.
 *
 * @param version the version to load, or {@link #ANY_VERSION} (a directory's highest version folder)
 * @param manifestSha256 the registry's hex SHA-256 of the manifest file; null for a directory outside the registry
 */
public record ModelSource(String name, long version, String storePath, String manifestSha256) {
  public static final long ANY_VERSION = 0;

  public static ModelSource registered(ModelItem row) {
    return new ModelSource(row.getName(), row.getVersion(), row.getStorePath(), row.getManifestSha256());
  }

  public static ModelSource unregistered(String directoryName) {
    return new ModelSource(directoryName, ANY_VERSION, directoryName, null);
  }

  /** Whether a registry row says what to load (else a directory found under the root). */
  public boolean isRegistered() {
    return version != ANY_VERSION;
  }

  /** {@code name:version} for a registry row, the directory's name for one outside the registry. */
  public String id() {
    return isRegistered() ? name + ":" + version : name;
  }
}
