package io.mrgc.common.tls;

/** TLS of a listener that tenants reach: certificate and key from files, TLS 1.2 and later only. */
public record ServerTls() {
  /** Plaintext HTTP. */
  public static ServerTls none() {
    return new ServerTls();
  }
}
