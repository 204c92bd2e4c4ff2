package io.mrgc.enclave.service;

import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.crypto.LengthPrefixed;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Bounded cache of plaintext data keys inside the enclave, keyed by (tenant, key id, SHA-256 of the EDK), so a
 * tenant that reuses a data key for many requests costs one KMS Decrypt, not one per request.
 *
 * <p>Bounds (defaults): {@code maxEntries} 1024 (oldest evicted first), {@code maxAge} 5 minutes from the KMS
 * answer, {@code maxUses} 10000 requests per entry (the KMS call's own request counts as the first use). A
 * {@code maxEntries} of 0 disables caching. Evicted or expired keys are zeroed. Callers get copies and zero them.
 *
 * <p>Trade-off (docs/security.md): while a key is cached, a request under it is served without a new attestation
 * and KMS policy check, so revoking a key or changing the policy takes effect within {@code maxAge}.
 */
public final class DataKeyCache {
  /** The cache bounds. */
  public record Limits(int maxEntries, Duration maxAge, long maxUses) {
    public static final int DEFAULT_MAX_ENTRIES = 1024;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(5);
    public static final long DEFAULT_MAX_USES = 10_000;

    public Limits {
      if (maxEntries < 0 || maxEntries > 1_000_000) {
        throw new IllegalArgumentException("maxEntries must be between 0 and 1000000, but was " + maxEntries);
      }
      if (maxAge == null || maxAge.isNegative() || maxAge.isZero() || maxAge.compareTo(Duration.ofHours(24)) > 0) {
        throw new IllegalArgumentException("maxAge must be a positive duration of at most 24h, but was " + maxAge);
      }
      if (maxUses < 1) {
        throw new IllegalArgumentException("maxUses must be at least 1, but was " + maxUses);
      }
    }

    public static Limits defaults() {
      return new Limits(DEFAULT_MAX_ENTRIES, DEFAULT_MAX_AGE, DEFAULT_MAX_USES);
    }
  }

  private static final class Entry {
    final byte[] key;
    final long createdNanos;
    long uses;

    Entry(byte[] key, long createdNanos) {
      this.key = key;
      this.createdNanos = createdNanos;
      this.uses = 1;
    }
  }

  private final Limits limits;
  private final LongSupplier nanoClock;
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
  private long evictions;

  public DataKeyCache(Limits limits, LongSupplier nanoClock) {
    this.limits = limits;
    this.nanoClock = nanoClock;
  }

  public DataKeyCache(Limits limits) {
    this(limits, System::nanoTime);
  }

  public Limits limits() {
    return limits;
  }

  /** The cache key: hex SHA-256 of length-prefixed (tenant, kid, SHA-256(edk)). */
  public static String cacheKey(String tenant, String kid, byte[] edk) {
    return Bytes.hex(Bytes.sha256(new LengthPrefixed().add(tenant).add(kid).add(Bytes.sha256(edk)).toByteArray()));
  }

  /**
   * A copy of the cached key, counting one use; null when absent, expired or used up (then it is evicted). The
   * caller zeroes the copy.
   */
  public synchronized byte[] acquire(String cacheKey) {
    Entry e = entries.get(cacheKey);
    if (e == null) {
      return null;
    }
    if (expired(e, nanoClock.getAsLong()) || e.uses >= limits.maxUses()) {
      remove(cacheKey);
      return null;
    }
    e.uses++;
    byte[] copy = e.key.clone();
    if (e.uses >= limits.maxUses()) {
      remove(cacheKey);
    }
    return copy;
  }

  /**
   * Caches a copy of a key just obtained from KMS (that request is its first use). The caller keeps and zeroes
   * its own array.
   */
  public synchronized void put(String cacheKey, byte[] dataKey) {
    if (limits.maxEntries() == 0 || limits.maxUses() <= 1) {
      return;
    }
    long now = nanoClock.getAsLong();
    remove(cacheKey);
    for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Entry> e = it.next();
      if (expired(e.getValue(), now)) {
        Bytes.zero(e.getValue().key);
        it.remove();
        evictions++;
      }
    }
    while (entries.size() >= limits.maxEntries()) {
      remove(entries.keySet().iterator().next());
    }
    entries.put(cacheKey, new Entry(dataKey.clone(), now));
  }

  public synchronized int size() {
    return entries.size();
  }

  /** How many entries were evicted (expired, used up, or pushed out) since creation. */
  public synchronized long evictions() {
    return evictions;
  }

  /** Zeroes and drops every key. */
  public synchronized void clear() {
    entries.values().forEach(e -> Bytes.zero(e.key));
    entries.clear();
  }

  private boolean expired(Entry e, long now) {
    return now - e.createdNanos >= limits.maxAge().toNanos();
  }

  private void remove(String cacheKey) {
    Entry e = entries.remove(cacheKey);
    if (e != null) {
      Bytes.zero(e.key);
      evictions++;
    }
  }
}
