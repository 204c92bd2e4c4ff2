package io.mrgc.router.security;

import java.util.LinkedHashMap;
import java.util.Map;

/** A map that keeps at most {@code maxEntries}, dropping the least recently used entry. Synchronized. */
final class BoundedLruMap<K, V> {
  private final int maxEntries;
  private final LinkedHashMap<K, V> map;

  BoundedLruMap(int maxEntries) {
    this.maxEntries = maxEntries;
    this.map = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > BoundedLruMap.this.maxEntries;
      }
    };
  }

  synchronized V get(K key) {
    return map.get(key);
  }

  synchronized void put(K key, V value) {
    map.put(key, value);
  }

  synchronized void remove(K key) {
    map.remove(key);
  }

  synchronized int size() {
    return map.size();
  }
}
