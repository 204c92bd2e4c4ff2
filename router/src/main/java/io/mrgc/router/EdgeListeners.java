package io.mrgc.router;

/** The router's listeners beside the tenant listener: the PROXY protocol v2 listener's trust, the admin listener. */
public record EdgeListeners() {
  public static EdgeListeners defaults() {
    return new EdgeListeners();
  }
}
