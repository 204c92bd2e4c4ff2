package io.mrgc.common.peer;

import io.mrgc.common.ApiException;
import io.mrgc.wire.ErrorCode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The nonces of signatures that verified, each kept until no clock within the skew window could still accept its
 * timestamp (now + 2 x skew): a second request with the same nonce inside that window is a replay. Bounded; only
 * authenticated requests add entries, so an outsider cannot fill it.
 */
final class ReplayGuard {
  private final long keepMillis;
  private final int capacity;
  /** nonce -> forget-after (epoch ms), in insertion order, which is also forget-after order. */
  private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>();

  ReplayGuard(long keepMillis, int capacity) {
    this.keepMillis = keepMillis;
    this.capacity = capacity;
  }

  /** Remembers {@code nonce}; throws when it was seen within the window or the guard is full. */
  synchronized void admit(String nonce, long nowMillis) {
    for (Iterator<Map.Entry<String, Long>> it = seen.entrySet().iterator(); it.hasNext(); ) {
      if (it.next().getValue() > nowMillis) {
        break;
      }
      it.remove();
    }
    if (seen.containsKey(nonce)) {
      throw new PeerAuthException("this signature was used before (a replayed request); the router signs every "
          + "request anew");
    }
    if (seen.size() >= capacity) {
      throw new ApiException(ErrorCode.PEER_AUTH_BUSY, "too many recent requests to check for replays; retry", 1);
    }
    seen.put(nonce, nowMillis + keepMillis);
  }

  synchronized int size() {
    return seen.size();
  }
}
