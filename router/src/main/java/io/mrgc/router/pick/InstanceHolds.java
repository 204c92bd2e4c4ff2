package io.mrgc.router.pick;

import io.mrgc.state.InstanceState;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Instances held out of the candidates because of what they told this router: a state other than READY in
 * {@code x-mrgc-instance-state} (after a request's car wash, or in a refusal), or no answer to go by (a request that
 * failed or was cut off after it was sent). That is fresher than the snapshot, whose rows are about a heartbeat old:
 * a held instance is no candidate, not even fail-open, until a snapshot shows it in a routable state with a heartbeat
 * newer than the moment the hold began. Nothing else ends a hold: only the instance's own later report can say that
 * its wash or quarantine is over.
 *
 * <p>Pure code, safe from any thread; the clock is injected for tests.
 */
public final class InstanceHolds {
  /** The hold reason when the instance's state is not known: the request failed or was cut off after it was sent. */
  public static final String UNKNOWN = "UNKNOWN";

  private final Map<String, Long> heldSinceMillis = new ConcurrentHashMap<>();
  private final LongSupplier clockMillis;

  public InstanceHolds(LongSupplier clockMillis) {
    this.clockMillis = clockMillis;
  }

  /** Whether a reported state lets the instance take the next request (no header = an agent that predates it). */
  public static boolean isReady(String reportedState) {
    return reportedState == null || reportedState.trim().equalsIgnoreCase(InstanceState.READY.name());
  }

  /**
   * A bounded name for a hold's reason (a metrics tag): the reported InstanceState, {@link #UNKNOWN} when none (or a
   * READY that the request's failure makes moot), OTHER for a value this router does not know.
   */
  public static String reason(String reportedState) {
    if (isReady(reportedState)) {
      return UNKNOWN;
    }
    try {
      return InstanceState.valueOf(reportedState.trim().toUpperCase(Locale.ROOT)).name();
    } catch (IllegalArgumentException e) {
      return "OTHER";
    }
  }

  /** Holds the instance from now on. */
  public void hold(String instanceId) {
    heldSinceMillis.put(instanceId, clockMillis.getAsLong());
  }

  /** Whether the instance is held, as judged against its row in {@code backend}. */
  public boolean isHeld(Backend backend) {
    Long since = heldSinceMillis.get(backend.instanceId());
    return since != null && !releases(backend, since);
  }

  /**
   * Drops the holds that {@code snapshot} releases, and those of instances no longer in it (a row that comes back is
   * newer than the hold). Returns true if a hold ended.
   */
  public boolean update(List<Backend> snapshot) {
    Set<String> present = new HashSet<>();
    boolean released = false;
    for (Backend backend : snapshot) {
      present.add(backend.instanceId());
      Long since = heldSinceMillis.get(backend.instanceId());
      if (since != null && releases(backend, since)) {
        released |= heldSinceMillis.remove(backend.instanceId(), since);
      }
    }
    heldSinceMillis.keySet().retainAll(present);
    return released;
  }

  public int heldCount() {
    return heldSinceMillis.size();
  }

  private static boolean releases(Backend backend, long heldSince) {
    return backend.routableState() && backend.heartbeatAtMillis() > heldSince;
  }
}
