package io.mrgc.agent.service;

import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.Mode;
import io.mrgc.common.peer.PeerAuthOptions;

/**
 * The agent's {@code peerAuth} section: the router<->agent HMAC keys. Required: in mode aws always; in mode local
 * unless {@code peerAuth.required: false} says explicitly that this agent may trust the tenant identity of any
 * caller that reaches its port (tests and tools).
 */
final class AgentPeerAuth {
  private AgentPeerAuth() {}

  /** The keys, {@link PeerAuthOptions#none()} where explicitly not required, or null after a problem. */
  static PeerAuthOptions read(ConfigReader peerAuth, Mode mode) {
    String keys = peerAuth.secret("keys",
        "the router<->agent HMAC keys, id:base64secret (secrets of at least 32 bytes), current first, then the "
            + "previous one during a rotation; the same keys as the routers'");
    boolean required = peerAuth.flag("required", true,
        "false (mode local only) lets the agent run without peer authentication: it then trusts the tenant identity "
            + "of any caller that reaches its port");
    if (mode == Mode.AWS && !required) {
      peerAuth.problem("required", "'false' is not allowed in mode aws; peer authentication is always required there");
      return null;
    }
    if (keys.isEmpty()) {
      if (required && mode != null) {
        peerAuth.problem("keys", "missing; required " + (mode == Mode.AWS ? "in mode aws"
            : "unless peerAuth.required is false") + ": id:base64secret (set it in the file or in "
            + PeerAuthOptions.ENV + ")");
        return null;
      }
      return PeerAuthOptions.none();
    }
    try {
      return PeerAuthOptions.parse(keys);
    } catch (IllegalArgumentException e) {
      peerAuth.problem("keys", e.getMessage());
      return null;
    }
  }
}
