package io.mrgc.common.peer;

import io.mrgc.common.ApiException;
import io.mrgc.wire.ErrorCode;

/** A request that did not prove it came from a router of this deployment: 401 {@code peer_unauthenticated}. */
public final class PeerAuthException extends ApiException {
  public PeerAuthException(String why) {
    super(ErrorCode.PEER_UNAUTHENTICATED, "the request did not come from an authenticated router: " + why);
  }
}
