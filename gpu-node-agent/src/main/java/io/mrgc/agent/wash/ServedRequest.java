package io.mrgc.agent.wash;

import io.mrgc.agent.batch.Admission;
import io.mrgc.agent.buffers.RequestBuffers;
import io.vertx.ext.web.RoutingContext;

/**
 * The request that holds the instance, from the moment it takes it (READY -> BUSY) until its wash is done and its
 * response sent: its admission ticket and its pool buffers. Handlers answer through {@link #respond}, which hands
 * the answer to the gate; the gate releases the buffers, washes, and only then sends.
 */
public final class ServedRequest {
  private static final String KEY = "mrgc.servedRequest";

  /** What the gate does with the answer: wash, then {@code send}. */
  interface Completion {
    void finish(ServedRequest served, Throwable failure, Runnable send);
  }

  private final RoutingContext ctx;
  private final String requestId;
  private final Admission.Ticket ticket;
  private final RequestBuffers buffers;
  private final Completion completion;
  private boolean finished;

  private ServedRequest(RoutingContext ctx, String requestId, Admission.Ticket ticket, RequestBuffers buffers,
      Completion completion) {
    this.ctx = ctx;
    this.requestId = requestId;
    this.ticket = ticket;
    this.buffers = buffers;
    this.completion = completion;
  }

  static ServedRequest attach(RoutingContext ctx, String requestId, Admission.Ticket ticket, RequestBuffers buffers,
      Completion completion) {
    ServedRequest served = new ServedRequest(ctx, requestId, ticket, buffers, completion);
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

  RoutingContext ctx() {
    return ctx;
  }

  Admission.Ticket ticket() {
    return ticket;
  }
}
