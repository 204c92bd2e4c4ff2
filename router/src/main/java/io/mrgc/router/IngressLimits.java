package io.mrgc.router;

/**
 * Bounds on what one client may make the router hold: request bodies (size, deadline, buffered bytes per tenant and
 * per router), listener timeouts and connection caps, failed authentications.
 */
public record IngressLimits() {
  public static IngressLimits defaults() {
    return new IngressLimits();
  }
}
