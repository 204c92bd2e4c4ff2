package io.mrgc.router.proxy;

import io.mrgc.state.InstanceState;

/**
 * Why an instance refused a dispatch before its body went: the agent's answer, which another router of the region
 * may have caused (several routers send to the same instances, and each knows only its own dispatches; the agent's
 * door is the arbiter). The tag values are the agent's error codes, a fixed set (metrics tag {@code reason}).
 */
enum Refusal {
  /** 503 {@code instance_not_ready}: the instance does not take requests now (instance-level wash, quarantine, ...). */
  NOT_READY("instance_not_ready"),
  /**
   * 429 {@code overloaded}: the instance's admission bound is full, with requests of another router (this router
   * has no dispatch outstanding there). It is busy, not broken: held like a washing instance until a newer heartbeat,
   * never ejected, and it does not use up the request's refusal allowance (see {@link Exchange}).
   */
  OVERLOADED("overloaded");

  /** The state an overloaded instance is held under (metrics tag of {@code mrgc_router_holds_total}). */
  static final String OVERLOADED_HOLD_STATE = InstanceState.BUSY.name();

  private final String tag;

  Refusal(String tag) {
    this.tag = tag;
  }

  /** The metrics tag value: the agent's error code. */
  String tag() {
    return tag;
  }
}
