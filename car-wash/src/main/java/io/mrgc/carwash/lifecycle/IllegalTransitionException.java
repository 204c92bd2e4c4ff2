package io.mrgc.carwash.lifecycle;

/** A lifecycle transition not in {@link InstanceLifecycle#ALLOWED}; the message names both states. */
public class IllegalTransitionException extends IllegalStateException {
  public IllegalTransitionException(String message) {
    super(message);
  }
}
