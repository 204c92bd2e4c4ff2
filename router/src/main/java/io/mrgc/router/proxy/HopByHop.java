package io.mrgc.router.proxy;

import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The hop-by-hop filter (RFC 9110 section 7.6.1) for what the router copies between client and instance. Header names
 * themselves are in {@link io.mrgc.wire.Headers}.
 */
public final class HopByHop {
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");

  private HopByHop() {}

  /**
   * Copies end-to-end headers from {@code from} to {@code to}: hop-by-hop ones, those the Connection header names,
   * and {@code skip} (lower case) stay behind.
   */
  public static void copyEndToEnd(MultiMap from, MultiMap to, Set<String> skip) {
    Set<String> dropped = new HashSet<>(HOP_BY_HOP);
    dropped.addAll(skip);
    for (String connection : from.getAll("connection")) {
      for (String token : connection.split(",")) {
        dropped.add(token.trim().toLowerCase(Locale.ROOT));
      }
    }
    for (var entry : from) {
      if (!dropped.contains(entry.getKey().toLowerCase(Locale.ROOT))) {
        to.add(entry.getKey(), entry.getValue());
      }
    }
  }
}
