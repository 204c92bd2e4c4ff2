package io.mrgc.wire.crypto;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Canonical, unambiguous encoding of a sequence of byte strings: each item is a 4-byte big-endian length followed
 * by its bytes (strings as UTF-8). Two different sequences never encode to the same bytes.
 */
public final class LengthPrefixed {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

  public LengthPrefixed add(String value) {
    return add(value.getBytes(StandardCharsets.UTF_8));
  }

  public LengthPrefixed add(byte[] value) {
    int n = value.length;
    out.write((n >>> 24) & 0xFF);
    out.write((n >>> 16) & 0xFF);
    out.write((n >>> 8) & 0xFF);
    out.write(n & 0xFF);
    out.write(value, 0, n);
    return this;
  }

  public byte[] toByteArray() {
    return out.toByteArray();
  }
}
