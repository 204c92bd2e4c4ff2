package io.mrgc.common.peer;

import io.mrgc.common.ApiException;

/** A request that did not prove it came from a router of this deployment: 401 {@value #CODE}. */
public final class PeerAuthException extends ApiException {
  public static final String CODE = "peer_unauthenticated";

  public PeerAuthException(String why) {
    super(401, CODE, "the request did not come from an authenticated router: " + why);
  }
}
