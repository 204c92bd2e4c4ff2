package io.mrgc.state;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Tenant API keys: {@code mrgc_} followed by 32 random bytes in unpadded base64url (43 characters), 48 characters
 * in all. The prefix makes a leaked key recognisable (secret scanners, logs); the {@code tenants} table stores only
 * {@link #hash(String)}.
 *
 * <p>Why a plain SHA-256 and not a slow password hash (bcrypt, scrypt, Argon2): slow hashes exist to make guessing
 * low-entropy, human-chosen passwords expensive. These keys are 256 bits from a CSPRNG, so a preimage search is
 * infeasible whatever the hash costs, and an unsalted fast hash lets the router find the tenant with one index
 * lookup ({@code by_api_key_hash}) and cache it per hash, on every request, without burning CPU.
 */
public final class ApiKeys {
  public static final String PREFIX = "mrgc_";
  /** Random bytes in a key: 256 bits. */
  public static final int RANDOM_BYTES = 32;
  /** Length of a well-formed key: the prefix and 43 base64url characters. */
  public static final int KEY_LENGTH = PREFIX.length() + 43;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private ApiKeys() {}

  /** A new random key. Show it to the tenant once; store only its {@link #hash(String)}. */
  public static String generate() {
    byte[] random = new byte[RANDOM_BYTES];
    RANDOM.nextBytes(random);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  /** Lower-case hex SHA-256 of the key's UTF-8 bytes (64 characters). */
  public static String hash(String key) {
    try {
      return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * Whether {@code key} has the shape {@link #generate()} produces. Anything else cannot be a key, so callers refuse
   * it without a table lookup.
   */
  public static boolean isWellFormed(String key) {
    if (key == null || key.length() != KEY_LENGTH || !key.startsWith(PREFIX)) {
      return false;
    }
    for (int i = PREFIX.length(); i < key.length(); i++) {
      char c = key.charAt(i);
      boolean base64url = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_';
      if (!base64url) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code key} hashes to {@code expectedHash}, compared in constant time. */
  public static boolean matches(String key, String expectedHash) {
    if (key == null || expectedHash == null) {
      return false;
    }
    return MessageDigest.isEqual(hash(key).getBytes(StandardCharsets.US_ASCII),
        expectedHash.getBytes(StandardCharsets.US_ASCII));
  }
}
