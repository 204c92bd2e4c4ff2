package io.mrgc.enclave.service;

import io.mrgc.wire.crypto.Bytes;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.PriorityQueue;

/**
 * The envelopes this enclave opened, keyed by (SHA-256 of the EDK, IV), each until its freshness window ends (after
 * that the envelope is refused as expired anyway). Bounded: when full of unexpired entries it refuses to record
 * rather than forget one, since a forgotten envelope could be replayed. Memory: about 120 bytes an entry.
 * Thread-safe.
 */
final class ReplayCache {
  enum Outcome { RECORDED, REPLAYED, FULL }

  /** 128 bits of SHA-256(SHA-256(EDK) || IV): collisions are out of reach for any number of entries it holds. */
  record Key(long hi, long lo) {
    static Key of(byte[] edkSha256, byte[] iv) {
      byte[] both = new byte[edkSha256.length + iv.length];
      System.arraycopy(edkSha256, 0, both, 0, edkSha256.length);
      System.arraycopy(iv, 0, both, edkSha256.length, iv.length);
      ByteBuffer d = ByteBuffer.wrap(Bytes.sha256(both));
      return new Key(d.getLong(), d.getLong());
    }
  }

  private record Entry(Key key, long expiresAtMillis) {}

  private final int maxEntries;
  private final HashMap<Key, Entry> entries = new HashMap<>();
  private final PriorityQueue<Entry> byExpiry =
      new PriorityQueue<>((a, b) -> Long.compare(a.expiresAtMillis(), b.expiresAtMillis()));

  ReplayCache(int maxEntries) {
    this.maxEntries = maxEntries;
  }

  /** Whether the envelope was opened before and its entry has not expired (a cheap check before decrypting). */
  synchronized boolean seen(Key key, long nowMillis) {
    Entry e = entries.get(key);
    return e != null && e.expiresAtMillis() > nowMillis;
  }

  /** Records an envelope just opened, unless it is a replay or the cache is full of unexpired entries. */
  synchronized Outcome record(Key key, long expiresAtMillis, long nowMillis) {
    purge(nowMillis);
    if (entries.containsKey(key)) {
      return Outcome.REPLAYED;
    }
    if (entries.size() >= maxEntries) {
      return Outcome.FULL;
    }
    Entry e = new Entry(key, expiresAtMillis);
    entries.put(key, e);
    byExpiry.add(e);
    return Outcome.RECORDED;
  }

  /** Forgets an envelope that was recorded but then not served (its expiry-queue entry is dropped when it ends). */
  synchronized void forget(Key key) {
    entries.remove(key);
  }

  synchronized int size() {
    return entries.size();
  }

  synchronized void clear() {
    entries.clear();
    byExpiry.clear();
  }

  private void purge(long nowMillis) {
    while (!byExpiry.isEmpty() && byExpiry.peek().expiresAtMillis() <= nowMillis) {
      Entry e = byExpiry.poll();
      entries.remove(e.key(), e);
    }
  }
}
