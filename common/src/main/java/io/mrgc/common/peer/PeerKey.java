package io.mrgc.common.peer;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * One HMAC key shared by the routers and agents of a deployment: an id that travels in the signature (so a verifier
 * knows which of its keys to use during a rotation) and a secret of at least {@value #MIN_SECRET_BYTES} bytes. Its
 * {@link #toString()} never shows the secret.
 */
public final class PeerKey {
  public static final int MIN_SECRET_BYTES = 32;
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String id;
  private final byte[] secret;

  public PeerKey(String id, byte[] secret) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException("peer auth key id must be 1 to 64 of [A-Za-z0-9_.-], but was " + id);
    }
    if (secret == null || secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException("peer auth key " + id + " must be at least " + MIN_SECRET_BYTES
          + " bytes, but was " + (secret == null ? 0 : secret.length));
    }
    this.id = id;
    this.secret = secret.clone();
  }

  /** A fresh random key (32 bytes from SecureRandom) with a random id, as {@code mrgc up} makes per deployment. */
  public static PeerKey generate() {
    byte[] secret = new byte[MIN_SECRET_BYTES];
    RANDOM.nextBytes(secret);
    byte[] id = new byte[4];
    RANDOM.nextBytes(id);
    return new PeerKey("k" + HexFormat.of().formatHex(id), secret);
  }

  /**
   * A fresh key in its {@code id:base64secret} form, for a deployment to hand to its processes through their
   * environment (never a file, never a log).
   */
  public static String generateSpec() {
    PeerKey key = generate();
    return key.id + ":" + Base64.getEncoder().encodeToString(key.secret);
  }

  /** {@code id:base64secret} (standard or URL-safe base64), the form of key files and environment variables. */
  public static PeerKey parse(String spec) {
    String trimmed = spec == null ? "" : spec.trim();
    int colon = trimmed.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("a peer auth key must be written id:base64secret");
    }
    String id = trimmed.substring(0, colon);
    byte[] secret;
    try {
      String encoded = trimmed.substring(colon + 1).trim();
      secret = encoded.contains("-") || encoded.contains("_")
          ? Base64.getUrlDecoder().decode(encoded) : Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("peer auth key " + id + ": the secret is not valid base64");
    }
    return new PeerKey(id, secret);
  }

  public String id() {
    return id;
  }

  /** A copy of the secret (for the MAC only; callers must not log it). */
  byte[] secret() {
    return secret.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PeerKey key && key.id.equals(id) && Arrays.equals(key.secret, secret);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return "PeerKey[id=" + id + ", secret=<redacted>]";
  }
}
