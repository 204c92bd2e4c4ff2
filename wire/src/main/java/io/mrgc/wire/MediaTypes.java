package io.mrgc.wire;

import java.util.Locale;

/** The media types MRGC bodies are sent as. */
public final class MediaTypes {
  /** A sealed request or response (docs/protocol.md). */
  public static final String ENVELOPE = "application/vnd.mrgc.envelope+json";
  /** Plain JSON: errors, and plaintext bodies where a cluster allows them. */
  public static final String JSON = "application/json";

  private MediaTypes() {}

  /** Whether a Content-Type header value names {@code mediaType} (parameters and case ignored); null is not. */
  public static boolean is(String contentType, String mediaType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
    return type.toLowerCase(Locale.ROOT).equals(mediaType);
  }
}
