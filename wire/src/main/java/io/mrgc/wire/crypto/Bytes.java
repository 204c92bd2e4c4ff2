package io.mrgc.wire.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/** Small byte helpers: hashing, zeroing, constant-time comparison. */
public final class Bytes {
  private Bytes() {}

  public static byte[] sha256(byte[] data) {
    return digest("SHA-256", data);
  }

  public static byte[] sha384(byte[] data) {
    return digest("SHA-384", data);
  }

  private static byte[] digest(String algorithm, byte[] data) {
    try {
      return MessageDigest.getInstance(algorithm).digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is not available in this JVM", e);
    }
  }

  /** Overwrites the array with zeros; null is ignored. Best effort: the JVM may have made copies. */
  public static void zero(byte[] secret) {
    if (secret != null) {
      Arrays.fill(secret, (byte) 0);
    }
  }

  public static boolean constantTimeEquals(byte[] a, byte[] b) {
    return a != null && b != null && MessageDigest.isEqual(a, b);
  }

  public static boolean allZero(byte[] data) {
    int acc = 0;
    for (byte b : data) {
      acc |= b;
    }
    return acc == 0;
  }

  public static String hex(byte[] data) {
    StringBuilder sb = new StringBuilder(data.length * 2);
    for (byte b : data) {
      sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
    }
    return sb.toString();
  }

  public static byte[] fromHex(String hex) {
    if (hex == null || hex.length() % 2 != 0) {
      throw new IllegalArgumentException("hex string must have an even number of digits");
    }
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = Character.digit(hex.charAt(2 * i), 16);
      int lo = Character.digit(hex.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        throw new IllegalArgumentException("hex string has a non-hex character at " + (2 * i));
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
