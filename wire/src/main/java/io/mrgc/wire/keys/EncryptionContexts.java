package io.mrgc.wire.keys;

import io.mrgc.wire.crypto.LengthPrefixed;
import java.util.Map;
import java.util.TreeMap;

/** The KMS encryption context MRGC uses: {@code {"mrgc:tenant": <tenant id>}}, and its canonical bytes. */
public final class EncryptionContexts {
  public static final String TENANT_KEY = "mrgc:tenant";

  private EncryptionContexts() {}

  public static Map<String, String> forTenant(String tenant) {
    return Map.of(TENANT_KEY, tenant);
  }

  /** The tenant named by the context, or null. */
  public static String tenantOf(Map<String, String> context) {
    return context == null ? null : context.get(TENANT_KEY);
  }

  /** Length-prefixed: entry count, then key and value of each entry in key order. */
  public static byte[] canonical(Map<String, String> context) {
    TreeMap<String, String> sorted = new TreeMap<>(context == null ? Map.of() : context);
    LengthPrefixed out = new LengthPrefixed().add(Integer.toString(sorted.size()));
    sorted.forEach((k, v) -> out.add(k).add(v));
    return out.toByteArray();
  }
}
