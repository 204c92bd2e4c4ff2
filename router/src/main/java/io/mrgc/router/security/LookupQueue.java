package io.mrgc.router.security;

import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * API key lookups waiting for a free table read, one FIFO per source address, served round-robin across sources:
 * a source with many waiting lookups (a flood of random keys) gets one read per turn like any other, so a real
 * tenant's lookup waits at most one read per busy source. Bounded per source and in sources. Not thread-safe (the
 * authenticator holds its lock around every call).
 */
final class LookupQueue {
  /** A lookup waiting for a read. {@code source} null = unknown source (one shared queue). */
  record Waiting(String apiKey, String hash, String source, Promise<TenantAuthenticator.Result> answer) {}

  private static final String UNKNOWN_SOURCE = "";

  private final int perSource;
  private final int maxSources;
  /** Sources in turn order: the next read goes to the first; a source served goes to the back. */
  private final LinkedHashMap<String, ArrayDeque<Waiting>> bySource = new LinkedHashMap<>();
  private int size;

  LookupQueue(int perSource, int maxSources) {
    this.perSource = perSource;
    this.maxSources = maxSources;
  }

  /** Queues the lookup; false when its source's queue, or the number of sources, is at its bound. */
  boolean offer(Waiting lookup) {
    String source = lookup.source() == null ? UNKNOWN_SOURCE : lookup.source();
    ArrayDeque<Waiting> queue = bySource.get(source);
    if (queue == null) {
      if (bySource.size() >= maxSources) {
        return false;
      }
      queue = new ArrayDeque<>();
      bySource.put(source, queue);
    } else if (queue.size() >= perSource) {
      return false;
    }
    queue.addLast(lookup);
    size++;
    return true;
  }

  /** The next lookup in round-robin order across sources, or null when none waits. */
  Waiting poll() {
    Iterator<Map.Entry<String, ArrayDeque<Waiting>>> first = bySource.entrySet().iterator();
    if (!first.hasNext()) {
      return null;
    }
    Map.Entry<String, ArrayDeque<Waiting>> turn = first.next();
    first.remove();
    Waiting next = turn.getValue().pollFirst();
    if (!turn.getValue().isEmpty()) {
      bySource.put(turn.getKey(), turn.getValue()); // to the back of the line
    }
    size--;
    return next;
  }

  int size() {
    return size;
  }
}
