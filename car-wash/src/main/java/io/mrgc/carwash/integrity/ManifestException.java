package io.mrgc.carwash.integrity;

/** A model's files do not match its {@code manifest.sha256}, or the manifest is missing or malformed. */
public class ManifestException extends Exception {
  public ManifestException(String message) {
    super(message);
  }

  public ManifestException(String message, Throwable cause) {
    super(message, cause);
  }
}
