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
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instance's door for inference requests, run before a request's body is read:
 *
 * <ul>
 *   <li>an instance that is not taking requests (QUARANTINED, DRAINING, STARTING, TERMINATED, in an instance-level
 *       wash) answers at once {@code 503 instance_not_ready} with {@code x-mrgc-instance-state} and {@code Retry-After: 1},
 *       without reading the body (and closes the connection when a body was on its way), so a router can retry the
 *       request elsewhere with nothing sent;
 *   <li>otherwise the request is admitted into the bounded queue (429 {@code overloaded} beyond it) and waits, its
 *       body unread, while another request holds the instance; requests take the instance one at a time, in order
 *       (READY -> BUSY); only then is {@code 100 Continue} written (for {@code Expect: 100-continue}) and the body
 *       read;
 *   <li>the request's answer is held while its wash runs (BUSY -> WASHING), and sent with {@code x-mrgc-wash},
 *       {@code x-mrgc-wash-ms} and {@code x-mrgc-instance-state}; then READY, or QUARANTINED when the wash did not pass
 *       or the inference ran past its deadline, or WASHING again for an instance-level wash (enclave restart,
 *       scheduled full manifest check) run right after the answer is sent.
 * </ul>
 *
 * Confined to the agent's event loop: every method runs there.
 */
public final class InstanceGate implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(InstanceGate.class);

  private record Waiting(RoutingContext ctx, String requestId, Admission.Ticket ticket) {}

  private final String instanceId;
  private final InstanceLifecycle lifecycle;
  private final Admission admission;
  private final AgentBuffers buffers;
  private final Washes washes;
  private final InstanceWashPlan plan;
  private final ArrivalLog arrivals;
  private final Consumer<PublishedState> publisher;
  private final Deque<Waiting> queue = new ArrayDeque<>();
  private ServedRequest current;
  /** The lifecycle's WASHING is (or, once the current answer is sent, becomes) an instance-level wash. */
  private boolean instanceWash;
  private InstanceWashPlan.Wash pendingWash;
  private boolean drainPending;
  private boolean releasing;
  private String reason;
  private PublishedState lastPublished;
  /** Requests answered (each after its wash), for the stop account. */
  private long answered;

  /** {@code publisher} is told (on this event loop) whenever the state shown in gpu_instances changes. */
  public InstanceGate(String instanceId, InstanceLifecycle lifecycle, Admission admission, AgentBuffers buffers,
      Washes washes, InstanceWashPlan plan, ArrivalLog arrivals, Consumer<PublishedState> publisher) {
    this.instanceId = instanceId;
    this.lifecycle = lifecycle;
    this.admission = admission;
    this.buffers = buffers;
    this.washes = washes;
    this.plan = plan;
    this.arrivals = arrivals;
    this.publisher = publisher;
    this.lastPublished = published();
  }

  /** The state to show in gpu_instances (per-request BUSY and WASHING show as READY), and why. */
  public PublishedState published() {
    InstanceState state = lifecycle.state();
    InstanceState shown = switch (state) {
      case READY, BUSY -> drainPending ? DRAINING : READY;
      case WASHING -> instanceWash ? WASHING : drainPending ? DRAINING : READY;
      default -> state;
    };
    return new PublishedState(shown, shown == READY ? null : reason);
  }

  @Override
  public void handle(RoutingContext ctx) {
    ctx.request().pause(); // nothing of the body is read until the request holds the instance
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
    arrivals.arrived(requestId, lifecycle.state());
    queue.addLast(new Waiting(ctx, requestId, ticket));
    dispatch();
  }

  /** Lets the next waiting request take the instance, if it is READY and free. */
  private void dispatch() {
    while (current == null && !queue.isEmpty()) {
      if (lifecycle.state() != READY || drainPending) {
        refuseQueued();
        return;
      }
      Waiting next = queue.pollFirst();
      if (next.ctx().response().closed()) {
        next.ticket().cancel(); // its caller left while it waited
        continue;
      }
      lifecycle.transition(BUSY, "request " + next.requestId());
      next.ticket().start();
      current = ServedRequest.attach(next.ctx(), next.requestId(), next.ticket(), buffers.lease(), this::finish);
      if ("100-continue".equalsIgnoreCase(next.ctx().request().getHeader(HttpHeaders.EXPECT))) {
        next.ctx().response().writeContinue();
      }
      next.ctx().next();
    }
  }

  /** The served request answered: wash first (its buffers released), then send. */
  private void finish(ServedRequest served, Throwable failure, Runnable send) {
    served.buffers().releaseAll();
    lifecycle.transitionIf(BUSY, WASHING, "wash after request " + served.requestId());
    washes.afterRequest(served.requestId()).onComplete(done -> {
      WashReport report = done.succeeded() ? done.result() : null;
      plan.requestServed();
      if (report == null || !report.isPassed()) {
        quarantine(describe(report, done.cause(), "the wash after request " + served.requestId()));
      } else if (timedOut(failure)) {
        quarantine("the inference of request " + served.requestId() + " ran past its deadline and was stopped");
      } else if (lifecycle.state() == WASHING) {
        settle("wash after request " + served.requestId() + " passed");
      }
      HttpServerResponse response = served.ctx().response();
      if (!response.headWritten()) {
        response.putHeader(Headers.WASH, report == null ? "failed" : report.outcome().name().toLowerCase(Locale.ROOT))
            .putHeader(Headers.WASH_MS, Long.toString(report == null ? 0 : report.totalNanos() / 1_000_000))
            .putHeader(Headers.INSTANCE_STATE, published().state().name());
      }
      try {
        send.run();
      } finally { // whatever the answer did, the instance is free again
        served.ticket().finish(failure);
        current = null;
        answered++;
        changed();
        next();
      }
    });
  }

  /**
   * The instance is between requests and clean (after a passed wash, or idle): drain if asked, start an
   * instance-level wash if one is due (or quarantine when it cannot run), else READY.
   */
  private void settle(String why) {
    InstanceState state = lifecycle.state();
    if (drainPending) {
      lifecycle.transition(DRAINING, reason);
      return;
    }
    InstanceWashPlan.Decision decision = plan.next();
    if (decision instanceof InstanceWashPlan.Quarantine q) {
      quarantine(q.reason());
    } else if (decision instanceof InstanceWashPlan.Wash wash) {
      if (state == READY) {
        lifecycle.transition(WASHING, wash.reason());
      }
      startsInstanceWash(wash);
    } else if (state == WASHING) {
      lifecycle.transition(READY, why);
      reason = null;
    }
  }

  private void startsInstanceWash(InstanceWashPlan.Wash wash) {
    instanceWash = true;
    pendingWash = wash;
    reason = wash.reason();
  }

  /** After an answer or a wash: run the instance-level wash that is due, else serve the next request. */
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

  /** Checks, while idle, whether an instance-level wash is due (the heartbeat calls this every interval). */
  public void poke() {
    if (current == null && pendingWash == null && !instanceWash && lifecycle.state() == READY) {
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

  /** Another actor (the autoscaler) set the row DRAINING: no new requests; DRAINING once the current one is done. */
  public void drain(String why) {
    InstanceState state = lifecycle.state();
    if (drainPending || state == QUARANTINED || state == TERMINATED || state == DRAINING) {
      return;
    }
    drainPending = true;
    reason = why;
    if (state == READY && current == null && !instanceWash) {
      lifecycle.transition(DRAINING, why);
    }
    refuseQueued();
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

  /** No request holds the instance and no instance-level wash or release check runs: a drain is complete. */
  public boolean idle() {
    return current == null && !instanceWash && pendingWash == null && !releasing;
  }

  /** Requests answered so far (each after its per-request wash). */
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
