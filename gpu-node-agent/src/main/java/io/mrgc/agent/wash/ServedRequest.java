package io.mrgc.agent.wash;

import io.mrgc.agent.batch.Admission;
import io.mrgc.agent.buffers.RequestBuffers;
import io.vertx.ext.web.RoutingContext;

/**
 * A request being served (its tenant holds the instance), from the moment it is let in until its buffers are
 * scrubbed and its response sent: its tenant, admission ticket and pool buffers. Handlers answer through
 * {@link #respond}, which hands the answer to the gate; the gate scrubs the request's buffers, records that, and only
 * then sends.
 */
public final class ServedRequest {
  private static final String KEY = "mrgc.servedRequest";

  /** What the gate does with the answer: scrub, then {@code send}. */
  interface Completion {
    void finish(ServedRequest served, Throwable failure, Runnable send);
  }

  private final RoutingContext ctx;
  private final String requestId;
  private final String tenant;
  private final Admission.Ticket ticket;
  private final RequestBuffers buffers;
  private final Completion completion;
  private boolean finished;

  private ServedRequest(RoutingContext ctx, String requestId, String tenant, Admission.Ticket ticket,
      RequestBuffers buffers, Completion completion) {
    this.ctx = ctx;
    this.requestId = requestId;
    this.tenant = tenant;
    this.ticket = ticket;
    this.buffers = buffers;
    this.completion = completion;
  }

  static ServedRequest attach(RoutingContext ctx, String requestId, String tenant, Admission.Ticket ticket,
      RequestBuffers buffers, Completion completion) {
    ServedRequest served = new ServedRequest(ctx, requestId, tenant, ticket, buffers, completion);
    ctx.put(KEY, served);
    return served;
  }

  /** The request being served on {@code ctx}; only inference handlers behind the gate call this. */
  public static ServedRequest of(RoutingContext ctx) {
    ServedRequest served = ctx.get(KEY);
    if (served == null) {
      throw new IllegalStateException("no request holds the instance on this route");
    }
    return served;
  }

  /**
   * Answers {@code ctx}: through the wash when the request holds the instance ({@code send} runs after the wash,
   * with the wash headers already set), at once otherwise. {@code failure} is the request's error, or null.
   * Call on the request's event loop; only the first answer counts.
   */
  public static void respond(RoutingContext ctx, Throwable failure, Runnable send) {
    ServedRequest served = ctx.get(KEY);
    if (served == null) {
      send.run();
    } else if (!served.finished) {
      served.finished = true;
      served.completion.finish(served, failure, send);
    }
  }

  public RequestBuffers buffers() {
    return buffers;
  }

  public String requestId() {
    return requestId;
  }

  /**
   * The isolation unit the request belongs to: its tenant (as the router authenticated it; empty for a plaintext
   * request sent straight to the agent), or {@link InstanceGate#SHARED} when tenant isolation is off.
   */
  public String tenant() {
    return tenant;
  }

  RoutingContext ctx() {
    return ctx;
  }

  Admission.Ticket ticket() {
    return ticket;
  }
}
