package io.mrgc.common.peer;

/** How a router and a node agent prove to each other who they are (the forwarded tenant identity is trusted only then). */
public record PeerAuthOptions() {
  public static PeerAuthOptions none() {
    return new PeerAuthOptions();
  }
}
