package io.mrgc.agent.wash;

import static io.mrgc.state.InstanceState.BUSY;
import static io.mrgc.state.InstanceState.DRAINING;
import static io.mrgc.state.InstanceState.QUARANTINED;
import static io.mrgc.state.InstanceState.READY;
import static io.mrgc.state.InstanceState.TERMINATED;
import static io.mrgc.state.InstanceState.WASHING;

import io.mrgc.agent.batch.Admission;
import io.mrgc.agent.batch.InferenceTimeout;
import io.mrgc.agent.buffers.AgentBuffers;
import io.mrgc.agent.heartbeat.PublishedState;
import io.mrgc.agent.http.Requests;
import java.time.Duration;
import io.mrgc.carwash.StepReport;
import io.mrgc.carwash.WashReport;
import io.mrgc.carwash.lifecycle.InstanceLifecycle;
import io.mrgc.common.ApiErrors;
import io.mrgc.common.ApiException;
import io.mrgc.state.InstanceState;
import io.mrgc.wire.ErrorCode;
import io.mrgc.wire.Headers;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instance's door for inference requests, run before a request's body is read. The instance serves <b>one
 * tenant at a time</b> (its turn, lifecycle BUSY), at most {@code maxConcurrent} of that tenant's requests at once,
 * which the model workers batch together; another tenant's requests wait (bodies unread) until the turn ends with
 * the full wash between tenants.
 *
 * <ul>
 *   <li>an instance that is not taking requests (QUARANTINED, DRAINING, STARTING, TERMINATED, in an instance-level
 *       wash) answers at once {@code 503 instance_not_ready} with {@code x-mrgc-instance-state} and
 *       {@code Retry-After: 1}, without reading the body (and closes the connection when a body was on its way), so a
 *       router can retry the request elsewhere with nothing sent;
 *   <li>otherwise the request is admitted into the bounded queue (429 {@code overloaded} beyond it). A clean instance
 *       (READY) gives the turn to the tenant of the oldest waiting request, preferring another tenant than the last
 *       turn's (READY -> BUSY); during a turn, waiting requests
 *       of that tenant are let in, oldest first, while fewer than {@code maxConcurrent} run; only then is
 *       {@code 100 Continue} written (for {@code Expect: 100-continue}) and the body read;
 *   <li>each answer waits only for the scrub of its own buffers (zeroed, read back, recorded), then leaves with
 *       {@code x-mrgc-wash}, {@code x-mrgc-wash-ms} and {@code x-mrgc-instance-state};
 *   <li>the turn ends, once its requests are done, when another tenant waits and the turn's tenant has no more
 *       waiting or has used its bound since the other began waiting ({@code turnRequests} requests or
 *       {@code turnTime}), when the instance idled for {@code idleWashAfter}, when an instance-level wash is due,
 *       or on a drain: BUSY -> WASHING for the full wash between tenants (every pool scrubbed, a fresh background
 *       check, every pool verified clean), then READY (or the instance-level wash, DRAINING or QUARANTINED).
 * </ul>
 *
 * With tenant isolation off (benchmarks only) every request counts as one tenant, {@link #SHARED}. Confined to the
 * agent's event loop: every method but {@link #serving()} runs there.
 */
public final class InstanceGate implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(InstanceGate.class);
  /** The one isolation unit when tenant isolation is off. */
  public static final String SHARED = "*";

  /**
   * How turns go: {@code isolation} off puts every request in one turn; at most {@code maxConcurrent} requests at
   * once; the bound once another tenant waits; the idle time after which the turn ends.
   */
  public record Turns(boolean isolation, int maxConcurrent, int turnRequests, Duration turnTime,
      Duration idleWashAfter) {}

  private record Waiting(RoutingContext ctx, String requestId, String tenant, Admission.Ticket ticket) {}

  private final String instanceId;
  private final InstanceLifecycle lifecycle;
  private final Admission admission;
  private final AgentBuffers buffers;
  private final Washes washes;
  private final InstanceWashPlan plan;
  private final BackgroundChecks background;
  private final ArrivalLog arrivals;
  private final Turns turns;
  private final Consumer<PublishedState> publisher;
  private final Deque<Waiting> queue = new ArrayDeque<>();
  private final Set<ServedRequest> serving = new LinkedHashSet<>();
  private volatile int servingCount;
  /** The tenant whose turn it is (lifecycle BUSY), or null (a clean instance). */
  private String owner;
  /** The tenant of the last turn: the next turn goes to another tenant when one waits. */
  private String previousOwner;
  /** When a request of another tenant began waiting during this turn ({@link System#nanoTime()}), or 0. */
  private long othersWaitingSince;
  private int startedWhileOthersWait;
  private long lastActivity = System.nanoTime();
  private boolean switching;
  /** The lifecycle's WASHING is (or, once the wash between tenants passed, becomes) an instance-level wash. */
  private boolean instanceWash;
  private InstanceWashPlan.Wash pendingWash;
  private boolean drainPending;
  private boolean releasing;
  private boolean dispatching;
  private boolean dispatchAgain;
  private String reason;
  private PublishedState lastPublished;
  /** Requests answered (each after its scrub), for the stop account. */
  private long answered;

  /** {@code publisher} is told (on this event loop) whenever the state shown in gpu_instances changes. */
  public InstanceGate(String instanceId, InstanceLifecycle lifecycle, Admission admission, AgentBuffers buffers,
      Washes washes, InstanceWashPlan plan, BackgroundChecks background, ArrivalLog arrivals, Turns turns,
      Consumer<PublishedState> publisher) {
    this.instanceId = instanceId;
    this.lifecycle = lifecycle;
    this.admission = admission;
    this.buffers = buffers;
    this.washes = washes;
    this.plan = plan;
    this.background = background;
    this.arrivals = arrivals;
    this.turns = turns;
    this.publisher = publisher;
    this.lastPublished = published();
  }

  /**
   * The state to show in gpu_instances (a turn's BUSY and the wash between tenants show as READY; an instance-level
   * wash decided at the end of a turn already shows as WASHING), and why.
   */
  public PublishedState published() {
    InstanceState state = lifecycle.state();
    InstanceState shown = switch (state) {
      case READY, BUSY, WASHING -> drainPending ? DRAINING : instanceWash ? WASHING : READY;
      default -> state;
    };
    return new PublishedState(shown, shown == READY ? null : reason);
  }

  @Override
  public void handle(RoutingContext ctx) {
    ctx.request().pause(); // nothing of the body is read until the request is let in
    String requestId = Requests.requestId(ctx);
    InstanceState shown = published().state();
    if (shown != READY) {
      arrivals.refusedAtArrival(requestId, shown, ErrorCode.INSTANCE_NOT_READY.code());
      refuse(ctx, requestId, shown);
      return;
    }
    Admission.Ticket ticket;
    try {
      ticket = admission.admit();
    } catch (ApiException overloaded) {
      arrivals.refusedAtArrival(requestId, lifecycle.state(), overloaded.code());
      answerUnread(ctx, () -> ApiErrors.send(ctx.response(), overloaded, requestId));
      return;
    }
    String tenant = tenantOf(ctx);
    arrivals.arrived(requestId, tenant, lifecycle.state());
    queue.addLast(new Waiting(ctx, requestId, tenant, ticket));
    if (owner != null && !owner.equals(tenant) && othersWaitingSince == 0) {
      othersWaitingSince = System.nanoTime();
      startedWhileOthersWait = 0;
    }
    dispatch();
  }

  /** The isolation unit: the tenant the router authenticated (signed when peer auth is on), or SHARED. */
  private String tenantOf(RoutingContext ctx) {
    if (!turns.isolation()) {
      return SHARED;
    }
    String tenant = ctx.request().getHeader(Headers.TENANT);
    return tenant == null ? "" : tenant;
  }

  /** Lets waiting requests in, or ends the turn; re-entrant calls (an answer sent at once) run after this one. */
  private void dispatch() {
    if (dispatching) {
      dispatchAgain = true;
      return;
    }
    dispatching = true;
    try {
      do {
        dispatchAgain = false;
        dispatchOnce();
      } while (dispatchAgain);
    } finally {
      dispatching = false;
    }
  }

  private void dispatchOnce() {
    if (switching || releasing) {
      return;
    }
    InstanceState state = lifecycle.state();
    if (instanceWash) { // due at the end of the turn (shown WASHING): the turn ends first, then it runs
      if (state == BUSY) {
        endTurnIfDone();
      }
      return;
    }
    if ((state != READY && state != BUSY) || drainPending) {
      refuseQueued();
      if (state == BUSY) {
        endTurnIfDone();
      }
      return;
    }
    while (serving.size() < turns.maxConcurrent() && !(owner != null && turnOver())) {
      Waiting next = owner != null ? takeWaiting(owner, null) : takeWaiting(null, previousOwner);
      if (next == null && owner == null) {
        next = takeWaiting(null, null);
      }
      if (next == null) {
        break;
      }
      if (owner == null) {
        beginTurn(next.tenant());
      }
      letIn(next);
    }
    endTurnIfDone();
  }

  /**
   * Ends the turn when its requests are done and it must end: a drain, the bound, an instance-level wash due, or
   * another tenant waiting while none of the turn's tenant does.
   */
  private void endTurnIfDone() {
    if (serving.isEmpty() && owner != null && !switching && turnMustEnd()) {
      endTurn();
    }
  }

  private boolean turnMustEnd() {
    return drainPending || instanceWash || turnOver() || (othersWaitingSince != 0 && !anyWaiting(owner));
  }

  /** The turn must end (once its requests are done): an instance-level wash is due, or another tenant's bound. */
  private boolean turnOver() {
    if (plan.instanceWashDue()) {
      return true;
    }
    return othersWaitingSince != 0 && (startedWhileOthersWait >= turns.turnRequests()
        || System.nanoTime() - othersWaitingSince >= turns.turnTime().toNanos());
  }

  /**
   * The oldest waiting request of {@code tenant} (null: of any tenant but {@code except}, null: of anyone); requests
   * whose caller left are dropped.
   */
  private Waiting takeWaiting(String tenant, String except) {
    for (Iterator<Waiting> it = queue.iterator(); it.hasNext(); ) {
      Waiting waiting = it.next();
      if (waiting.ctx().response().closed()) {
        it.remove();
        waiting.ticket().cancel(); // its caller left while it waited
      } else if (tenant != null ? tenant.equals(waiting.tenant()) : !waiting.tenant().equals(except)) {
        it.remove();
        return waiting;
      }
    }
    return null;
  }

  private boolean anyWaiting(String tenant) {
    return queue.stream().anyMatch(waiting -> waiting.tenant().equals(tenant));
  }

  private void beginTurn(String tenant) {
    owner = tenant;
    othersWaitingSince = queue.stream().anyMatch(waiting -> !waiting.tenant().equals(tenant)) ? System.nanoTime() : 0;
    startedWhileOthersWait = 0;
    lifecycle.transition(BUSY, "a tenant's turn");
  }

  private void letIn(Waiting next) {
    next.ticket().start();
    ServedRequest served = ServedRequest.attach(next.ctx(), next.requestId(), next.tenant(), next.ticket(),
        buffers.lease(), this::finish);
    serving.add(served);
    servingCount = serving.size();
    if (othersWaitingSince != 0) {
      startedWhileOthersWait++;
    }
    arrivals.started(next.requestId(), next.tenant());
    if ("100-continue".equalsIgnoreCase(next.ctx().request().getHeader(HttpHeaders.EXPECT))) {
      next.ctx().response().writeContinue();
    }
    next.ctx().next();
  }

  /** A request answered: its buffers scrubbed and recorded first, then its answer sent. */
  private void finish(ServedRequest served, Throwable failure, Runnable send) {
    WashReport report = washes.afterRequest(served.requestId(), served.buffers());
    plan.requestServed();
    background.requestServed();
    serving.remove(served);
    servingCount = serving.size();
    lastActivity = System.nanoTime();
    if (!report.isPassed()) {
      quarantine(describe(report, null, "the scrub after request " + served.requestId()));
    } else if (timedOut(failure)) {
      quarantine("the inference of request " + served.requestId() + " ran past its deadline and was stopped");
    } else if (serving.isEmpty() && lifecycle.state() == BUSY && !drainPending && turnMustEnd()) {
      decideInstanceWash(); // before the answer: its x-mrgc-instance-state then says what comes next
    }
    HttpServerResponse response = served.ctx().response();
    if (!response.headWritten()) {
      response.putHeader(Headers.WASH, report.outcome().name().toLowerCase(Locale.ROOT))
          .putHeader(Headers.WASH_MS, Long.toString(report.totalNanos() / 1_000_000))
          .putHeader(Headers.INSTANCE_STATE, published().state().name());
    }
    try {
      send.run();
    } finally { // whatever the answer did, its place is free again
      served.ticket().finish(failure);
      answered++;
      arrivals.finished(served.requestId(), served.tenant());
      changed();
      dispatch();
    }
  }

  /**
   * The turn is over and its requests are done: the full wash between tenants, then whatever is next. An
   * instance-level wash due is decided first (shown WASHING, or QUARANTINED when it cannot run), so the last answer
   * of the turn already tells routers.
   */
  private void endTurn() {
    lifecycle.transition(WASHING, "wash between tenants");
    if (!drainPending && pendingWash == null) {
      decideInstanceWash();
      if (lifecycle.state() != WASHING) {
        return; // quarantined: a due restart cannot run
      }
    }
    switching = true;
    String previous = owner;
    changed();
    washes.betweenTenants().onComplete(done -> {
      switching = false;
      WashReport report = done.succeeded() ? done.result() : null;
      arrivals.tenantWash(previous, report == null ? "none" : report.requestId(), report != null && report.isPassed());
      if (lifecycle.state() == WASHING) {
        if (report == null || !report.isPassed()) {
          quarantine(describe(report, done.cause(), "the wash between tenants"));
        } else {
          previousOwner = owner;
          owner = null;
          othersWaitingSince = 0;
          if (drainPending) {
            lifecycle.transition(DRAINING, reason);
          } else if (pendingWash == null) {
            lifecycle.transition(READY, "wash between tenants passed");
            reason = null;
          }
        }
      }
      changed();
      next();
    });
  }

  /** An instance-level wash due now becomes pending (shown WASHING), or the instance is quarantined. */
  private void decideInstanceWash() {
    InstanceWashPlan.Decision decision = plan.next();
    if (decision instanceof InstanceWashPlan.Quarantine q) {
      quarantine(q.reason());
    } else if (decision instanceof InstanceWashPlan.Wash wash) {
      instanceWash = true;
      pendingWash = wash;
      reason = wash.reason();
    }
  }

  /**
   * The instance is clean and belongs to no tenant (idle, or after an instance-level wash or a release): drain if
   * asked, start an instance-level wash if one is due (or quarantine when it cannot run), else READY.
   */
  private void settle(String why) {
    InstanceState state = lifecycle.state();
    if (drainPending) {
      lifecycle.transition(DRAINING, reason);
      return;
    }
    decideInstanceWash();
    if (pendingWash != null && state == READY) {
      lifecycle.transition(WASHING, pendingWash.reason());
    } else if (pendingWash == null && lifecycle.state() == WASHING) {
      lifecycle.transition(READY, why);
      reason = null;
    }
  }

  /** After a wash: run the instance-level wash that is due, else let requests in. */
  private void next() {
    if (pendingWash != null) {
      runInstanceWash();
    } else {
      dispatch();
    }
  }

  private void runInstanceWash() {
    InstanceWashPlan.Wash wash = pendingWash;
    pendingWash = null;
    refuseQueued();
    changed();
    LOG.info("instance {}: instance-level wash {} ({})", instanceId, wash.what(), wash.reason());
    washes.instanceLevel(wash.what(), wash.steps()).onComplete(done -> {
      instanceWash = false;
      if (lifecycle.state() != WASHING) {
        return; // quarantined or terminated meanwhile
      }
      WashReport report = done.succeeded() ? done.result() : null;
      if (report == null || !report.isPassed()) {
        quarantine(describe(report, done.cause(), "the instance-level wash (" + wash.reason() + ")"));
      } else {
        LOG.info("instance {}: instance-level wash {} passed in {} ms", instanceId, wash.what(),
            report.totalNanos() / 1_000_000);
        settle("instance-level wash passed: " + wash.what());
      }
      changed();
      next();
    });
  }

  /**
   * Called every heartbeat interval: a turn idle for idleWashAfter (or with an instance-level wash due) ends with
   * the wash between tenants; a clean idle instance starts an instance-level wash if one is due.
   */
  public void poke() {
    if (switching || instanceWash || releasing || !serving.isEmpty() || drainPending) {
      return;
    }
    InstanceState state = lifecycle.state();
    if (state == BUSY && queue.isEmpty() && (plan.instanceWashDue()
        || System.nanoTime() - lastActivity >= turns.idleWashAfter().toNanos())) {
      endTurn();
    } else if (state == READY && owner == null) {
      settle("idle");
      changed();
      next();
    }
  }

  /** Models loaded and verified: READY (or DRAINING straight away if a drain was asked for meanwhile). */
  public void started() {
    lifecycle.transition(READY, "models loaded and verified");
    if (drainPending) {
      lifecycle.transition(DRAINING, reason);
    }
    changed();
  }

  /** Quarantines the instance now (from any state but TERMINATED); the reason goes to gpu_instances. */
  public void quarantine(String why) {
    InstanceState state = lifecycle.state();
    if (state == QUARANTINED || state == TERMINATED) {
      return;
    }
    lifecycle.transition(QUARANTINED, why);
    reason = why;
    instanceWash = false;
    pendingWash = null;
    refuseQueued();
    changed();
  }

  /**
   * Another actor (the autoscaler) set the row DRAINING: no new requests; DRAINING once the running ones are done
   * and the wash between tenants passed.
   */
  public void drain(String why) {
    InstanceState state = lifecycle.state();
    if (drainPending || state == QUARANTINED || state == TERMINATED || state == DRAINING) {
      return;
    }
    drainPending = true;
    reason = why;
    refuseQueued();
    if (serving.isEmpty() && !switching && !instanceWash && !releasing) {
      if (state == BUSY) {
        endTurn(); // the wash between tenants first, then DRAINING
      } else if (state == READY) {
        lifecycle.transition(DRAINING, why);
      }
    }
    changed();
  }

  /**
   * An operator released the QUARANTINED instance (its row was set READY): a full manifest check, then READY
   * ({@link InstanceLifecycle#release}); if the check fails the instance stays QUARANTINED with the check's reason.
   */
  public void release() {
    if (lifecycle.state() != QUARANTINED || releasing) {
      return;
    }
    releasing = true;
    InstanceWashPlan.Wash check = plan.releaseCheck();
    reason = check.reason();
    changed();
    washes.instanceLevel(check.what(), check.steps()).onComplete(done -> {
      releasing = false;
      if (lifecycle.state() != QUARANTINED) {
        return;
      }
      WashReport report = done.succeeded() ? done.result() : null;
      if (report != null && report.isPassed()) {
        lifecycle.release("sre", "released by an operator; full manifest check passed");
        owner = null; // the check scrubbed and verified every pool
        reason = null;
        changed();
        poke();
      } else {
        reason = "release refused: " + describe(report, done.cause(), "the full manifest check before release");
        changed();
      }
    });
  }

  /** The agent stops: TERMINATED, and whoever waits is refused. */
  public void terminate() {
    if (lifecycle.state() != TERMINATED) {
      lifecycle.transition(TERMINATED, "agent stopping");
    }
    refuseQueued();
  }

  public InstanceState state() {
    return lifecycle.state();
  }

  /** No request runs and no wash or release check runs: a drain is complete. */
  public boolean idle() {
    return serving.isEmpty() && !switching && !instanceWash && pendingWash == null && !releasing;
  }

  /** Requests being served now (any thread: the model workers' batchers ask). */
  public int serving() {
    return servingCount;
  }

  /** Requests answered so far (each after its scrub). */
  public long answered() {
    return answered;
  }

  private void refuseQueued() {
    InstanceState shown = published().state();
    while (!queue.isEmpty()) {
      Waiting waiting = queue.pollFirst();
      waiting.ticket().cancel();
      arrivals.refused(waiting.requestId(), shown, ErrorCode.INSTANCE_NOT_READY.code());
      refuse(waiting.ctx(), waiting.requestId(), shown);
    }
  }

  private void refuse(RoutingContext ctx, String requestId, InstanceState shown) {
    ctx.response().putHeader(Headers.INSTANCE_STATE, shown.name());
    String message = "instance " + instanceId + " is " + shown
        + (shown == WASHING ? " (instance-level wash)" : "") + " and takes no requests now; retry on another instance";
    answerUnread(ctx, () -> ApiErrors.send(ctx.response(), ErrorCode.INSTANCE_NOT_READY, message, requestId, 1));
  }

  /** Answers before the body was read; a body on its way is never read, so the connection cannot be reused. */
  private static void answerUnread(RoutingContext ctx, Runnable send) {
    if (!ctx.request().isEnded()) {
      ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
    }
    send.run();
  }

  private void changed() {
    PublishedState now = published();
    if (!now.equals(lastPublished)) {
      lastPublished = now;
      publisher.accept(now);
    }
  }

  private static boolean timedOut(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof InferenceTimeout) {
        return true;
      }
    }
    return false;
  }

  /** A quarantine reason that leads with what failed: {@code <step> <OUTCOME> in <which wash>: <detail>}. */
  private static String describe(WashReport report, Throwable failure, String which) {
    if (report == null) {
      return "wash could not run in " + which + ": " + (failure == null ? "unknown" : failure.toString());
    }
    StepReport problem = report.firstProblem();
    return problem == null ? report.outcome() + " in " + which
        : problem.name() + " " + problem.outcome() + " in " + which + ": " + problem.detail();
  }
}
