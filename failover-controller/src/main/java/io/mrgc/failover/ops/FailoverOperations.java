package io.mrgc.failover.ops;

import io.mrgc.common.Check;
import io.mrgc.failover.loop.ControllerConfig;
import io.mrgc.failover.machine.Change;
import io.mrgc.failover.machine.DrainMode;
import io.mrgc.failover.machine.FailoverState;
import io.mrgc.failover.machine.MachineConfig;
import io.mrgc.failover.machine.ObservationQuorum;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.failover.state.FailoverRowRepository;
import io.mrgc.failover.state.ObservationRepository;
import io.mrgc.failover.state.TransitionItem;
import io.mrgc.state.StateClient;
import io.mrgc.state.WriteRejectedException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The operator's side ({@code mrgc failover status|drain|undrain|force|history}). Every change is a versioned write
 * of the region row that keeps its fencing token (an operator holds no lease), records actor and reason and appends
 * to the history with token 0; a concurrent controller write is retried on a fresh read. The controller re-reads
 * the row every evaluation and, seeing someone else's change, restarts its holds from there.
 *
 * <ul>
 *   <li>{@code drain}: the controller steps the dial down (75, 50, 25, 0) while the other regions are healthy, then
 *       holds the region FAILOVER_ACTIVE (DRAINED). An already evacuated region is DRAINED at once.
 *   <li>{@code undrain}: lifts the hold; the controller ramps the region back (10, 50, 100) once healthy.
 *   <li>{@code force STATE}: sets the state now. FAILOVER_ACTIVE: dial 0 and held like a drain; NORMAL: dial 100;
 *       DEGRADED: the dial as it is; RECOVERING: the dial as it is if within the ramp, else its first step. Except for
 *       FAILOVER_ACTIVE, any drain hold is lifted and the controller goes on from the forced state.
 * </ul>
 */
public final class FailoverOperations {
  /** A write refused because the controller wrote in between is retried this many times. */
  private static final int ATTEMPTS = 5;

  private final List<String> regions;
  private final MachineConfig machine;
  private final ObservationQuorum quorum;
  private final Clock clock;
  private final int historyLimit;
  private final FailoverRowRepository rows;
  private final ObservationRepository observations;

  public FailoverOperations(StateClient state, List<String> regions, MachineConfig machine, ObservationQuorum quorum,
      Clock clock, int historyLimit) {
    Check.notNull("state", state);
    this.regions = List.copyOf(Check.notNull("regions", regions));
    this.machine = Check.notNull("machine", machine);
    this.quorum = Check.notNull("quorum", quorum);
    this.clock = Check.notNull("clock", clock);
    this.historyLimit = Check.between("historyLimit", historyLimit, 1, 1000);
    this.rows = new FailoverRowRepository(state);
    this.observations = new ObservationRepository(state);
  }

  /** Judging and recording like the controllers configured with {@code controller} and {@code machine}. */
  public static FailoverOperations of(StateClient state, ControllerConfig controller, MachineConfig machine,
      Clock clock) {
    return new FailoverOperations(state, controller.regions(), machine,
        new ObservationQuorum(controller.observerQuorum(), controller.observationFreshness()), clock,
        controller.historyLimit());
  }

  /** Like controllers on the defaults ({@link ControllerConfig#defaults}, {@link MachineConfig#defaults}). */
  public static FailoverOperations defaults(StateClient state, List<String> regions, Clock clock) {
    return of(state, ControllerConfig.defaults(regions.get(0), "mrgc-operator", regions), MachineConfig.defaults(),
        clock);
  }

  public CompletableFuture<List<RegionStatus>> status() {
    List<CompletableFuture<RegionStatus>> all = regions.stream().map(this::status).toList();
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(done -> all.stream().map(CompletableFuture::join).toList());
  }

  /** The region's row (null before the region has one: a status read writes nothing), observations and verdict. */
  public CompletableFuture<RegionStatus> status(String region) {
    known(region);
    return rows.get(region).thenCombine(observations.of(region, regions),
        (row, seen) -> new RegionStatus(region, row, seen, quorum.combine(
            seen.stream().map(ObservationRepository::toObservation).toList(), clock.instant())));
  }

  /** The region's transitions, oldest first (the newest {@code historyLimit}). */
  public CompletableFuture<List<TransitionItem>> history(String region) {
    known(region);
    return rows.get(region).thenApply(row -> row == null ? List.of() : List.copyOf(row.getHistory()));
  }

  public CompletableFuture<FailoverRowItem> drain(String region, String actor, String reason) {
    return change(region, actor, reason, row -> {
      DrainMode drain = DrainMode.parse(row.getDrain());
      FailoverState state = FailoverState.parse(row.getFailoverState());
      if (drain != null) {
        return null; // draining or drained already
      }
      DrainMode mode = state == FailoverState.FAILOVER_ACTIVE ? DrainMode.DRAINED : DrainMode.DRAINING;
      return new Change(state, row.getTrafficDial(), mode, "drain requested: " + reason);
    });
  }

  public CompletableFuture<FailoverRowItem> undrain(String region, String actor, String reason) {
    return change(region, actor, reason, row -> row.getDrain() == null ? null
        : new Change(FailoverState.parse(row.getFailoverState()), row.getTrafficDial(), null, "undrain: " + reason));
  }

  public CompletableFuture<FailoverRowItem> force(String region, FailoverState state, String actor, String reason) {
    Check.notNull("state", state);
    return change(region, actor, reason, row -> {
      int dial = row.getTrafficDial();
      return switch (state) {
        case NORMAL -> new Change(state, 100, null, "force NORMAL: " + reason);
        case DEGRADED -> new Change(state, dial, null, "force DEGRADED: " + reason);
        case FAILOVER_ACTIVE -> new Change(state, 0, DrainMode.DRAINED, "force FAILOVER_ACTIVE: " + reason);
        case RECOVERING -> new Change(state, dial >= machine.firstRampStep() ? dial : machine.firstRampStep(), null,
            "force RECOVERING: " + reason);
      };
    });
  }

  /** Reads, applies {@code decide}'s change (none: the row as it is) and writes it versioned, retrying conflicts. */
  private CompletableFuture<FailoverRowItem> change(String region, String actor, String reason,
      Function<FailoverRowItem, Change> decide) {
    known(region);
    Check.notBlank("actor", actor);
    Check.notBlank("reason", reason);
    return attempt(region, actor, decide, 1);
  }

  private CompletableFuture<FailoverRowItem> attempt(String region, String actor,
      Function<FailoverRowItem, Change> decide, int attempt) {
    return rows.getOrCreate(region, clock.millis()).thenCompose(row -> {
      Change change = decide.apply(row);
      if (change == null) {
        return CompletableFuture.completedFuture(row);
      }
      row.apply(change, actor, 0, clock.millis(), historyLimit);
      return rows.writeVersioned(row);
    }).handle((written, error) -> {
      if (error == null) {
        return CompletableFuture.completedFuture(written);
      }
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      if (cause instanceof WriteRejectedException && attempt < ATTEMPTS) {
        return attempt(region, actor, decide, attempt + 1);
      }
      return CompletableFuture.<FailoverRowItem>failedFuture(cause);
    }).thenCompose(Function.identity());
  }

  private void known(String region) {
    if (!regions.contains(region)) {
      throw new IllegalArgumentException("unknown region " + region + " (known: " + regions + ")");
    }
  }
}
