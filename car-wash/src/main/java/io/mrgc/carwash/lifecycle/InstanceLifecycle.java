package io.mrgc.carwash.lifecycle;

import static io.mrgc.state.InstanceState.BUSY;
import static io.mrgc.state.InstanceState.DRAINING;
import static io.mrgc.state.InstanceState.QUARANTINED;
import static io.mrgc.state.InstanceState.READY;
import static io.mrgc.state.InstanceState.STARTING;
import static io.mrgc.state.InstanceState.TERMINATED;
import static io.mrgc.state.InstanceState.WASHING;

import io.mrgc.state.InstanceState;
import java.time.Clock;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle of one GPU instance, as one table of allowed transitions ({@link #ALLOWED}). Thread-safe: every
 * transition happens under this object's lock, and listeners are called in transition order, under that lock
 * (they must be quick and must not block; a listener that throws is logged and does not undo the transition).
 *
 * <pre>
 * STARTING    -> READY | QUARANTINED | TERMINATED           (models loaded and verified; or start failed)
 * READY       -> BUSY | WASHING | DRAINING | QUARANTINED | TERMINATED
 *                (BUSY: a tenant's turn, its requests running; WASHING directly: a scheduled wash, e.g. full
 *                manifest check or enclave restart, with no tenant; DRAINING: scale-down)
 * BUSY        -> WASHING | QUARANTINED | TERMINATED         (never straight back to READY: every tenant's turn is
 *                followed by the full wash; a drain requested while BUSY waits for it, then WASHING -> DRAINING)
 * WASHING     -> READY | QUARANTINED | DRAINING | TERMINATED (passed; failed or timed out; passed with a drain pending)
 * DRAINING    -> TERMINATED | QUARANTINED
 * QUARANTINED -> READY (only through {@link #release}, an operator's decision after a fix) | TERMINATED
 * TERMINATED  -> (nothing)
 * </pre>
 *
 * Self-transitions are refused like any other pair not in the table. Only READY and BUSY are routable
 * ({@link InstanceState#routable()}).
 */
public final class InstanceLifecycle {
  private static final Logger log = LoggerFactory.getLogger(InstanceLifecycle.class);

  /** The allowed transitions; QUARANTINED -> READY is allowed only through {@link #release}. */
  public static final Map<InstanceState, Set<InstanceState>> ALLOWED = table();

  /** One transition that happened. {@code actor} is "agent" for the agent's own transitions. */
  public record Transition(String instanceId, InstanceState from, InstanceState to, String reason, String actor,
                           long atMillis) {}

  /** Told of every transition, in order. */
  @FunctionalInterface
  public interface Listener {
    void onTransition(Transition transition);
  }

  private final String instanceId;
  private final Clock clock;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private InstanceState state = STARTING;

  public InstanceLifecycle(String instanceId, Clock clock) {
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public InstanceLifecycle(String instanceId) {
    this(instanceId, Clock.systemUTC());
  }

  public String instanceId() {
    return instanceId;
  }

  public synchronized InstanceState state() {
    return state;
  }

  public void addListener(Listener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  /** Whether the table allows {@code from -> to} for the agent (QUARANTINED -> READY is an operator's release). */
  public static boolean allowed(InstanceState from, InstanceState to) {
    return ALLOWED.get(from).contains(to) && !(from == QUARANTINED && to == READY);
  }

  /**
   * Moves to {@code to}, or throws {@link IllegalTransitionException} with the exact message
   * {@code "instance <id>: illegal transition <FROM> -> <TO> (<reason>); allowed from <FROM>: [<A>, <B>]"}
   * (for QUARANTINED -> READY: {@code "...; only an operator release returns a QUARANTINED instance to READY"}).
   *
   * @return the transition made
   */
  public synchronized Transition transition(InstanceState to, String reason) {
    Objects.requireNonNull(to, "to");
    if (!allowed(state, to)) {
      throw new IllegalTransitionException(refusal(state, to, reason));
    }
    return move(to, reason, "agent");
  }

  /**
   * Moves to {@code to} only if the state is {@code expected} now (and the pair is allowed); false if the state is
   * something else. Still throws for a refused pair.
   */
  public synchronized boolean transitionIf(InstanceState expected, InstanceState to, String reason) {
    if (state != expected) {
      return false;
    }
    transition(to, reason);
    return true;
  }

  /** An operator returns a QUARANTINED instance to READY after a fix ({@code mrgc instance release}). */
  public synchronized Transition release(String operator, String reason) {
    if (state != QUARANTINED) {
      throw new IllegalTransitionException("instance " + instanceId + ": cannot release from " + state
          + "; only a QUARANTINED instance is released");
    }
    if (operator == null || operator.isBlank()) {
      throw new IllegalArgumentException("release needs the operator's name");
    }
    return move(READY, reason, operator);
  }

  private Transition move(InstanceState to, String reason, String actor) {
    Transition transition = new Transition(instanceId, state, to, reason, actor, clock.millis());
    state = to;
    // A tenant's turn (READY -> BUSY -> WASHING -> READY) happens many times a second: debug, not info.
    boolean routine = to == BUSY || transition.from() == BUSY || (transition.from() == WASHING && to == READY);
    if (routine) {
      log.debug("instance {}: {} -> {} ({}) by {}", instanceId, transition.from(), to, reason, actor);
    } else {
      log.info("instance {}: {} -> {} ({}) by {}", instanceId, transition.from(), to, reason, actor);
    }
    for (Listener listener : listeners) {
      try {
        listener.onTransition(transition);
      } catch (RuntimeException e) {
        log.warn("instance {}: lifecycle listener failed on {} -> {}", instanceId, transition.from(), to, e);
      }
    }
    return transition;
  }

  /** The exact refusal message for {@code from -> to}. */
  public String refusal(InstanceState from, InstanceState to, String reason) {
    String prefix = "instance " + instanceId + ": illegal transition " + from + " -> " + to + " (" + reason + "); ";
    if (from == QUARANTINED && to == READY) {
      return prefix + "only an operator release returns a QUARANTINED instance to READY";
    }
    return prefix + "allowed from " + from + ": " + ALLOWED.get(from);
  }

  private static Map<InstanceState, Set<InstanceState>> table() {
    EnumMap<InstanceState, Set<InstanceState>> table = new EnumMap<>(InstanceState.class);
    table.put(STARTING, Collections.unmodifiableSet(EnumSet.of(READY, QUARANTINED, TERMINATED)));
    table.put(READY, Collections.unmodifiableSet(EnumSet.of(BUSY, WASHING, DRAINING, QUARANTINED, TERMINATED)));
    table.put(BUSY, Collections.unmodifiableSet(EnumSet.of(WASHING, QUARANTINED, TERMINATED)));
    table.put(WASHING, Collections.unmodifiableSet(EnumSet.of(READY, QUARANTINED, DRAINING, TERMINATED)));
    table.put(DRAINING, Collections.unmodifiableSet(EnumSet.of(TERMINATED, QUARANTINED)));
    table.put(QUARANTINED, Collections.unmodifiableSet(EnumSet.of(READY, TERMINATED)));
    table.put(TERMINATED, Collections.unmodifiableSet(EnumSet.noneOf(InstanceState.class)));
    return Collections.unmodifiableMap(table);
  }
}
