package io.mrgc.common.tls;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.util.LinkedHashSet;

/**
 * How a Vert.x client inside MRGC (the local front door, health probes) reaches a TLS listener: it trusts only the CA
 * certificates in one PEM file, checks the server's name or IP against the certificate, and speaks TLS 1.2 or 1.3.
 *
 * @param caCertificates PEM file of the CA certificate(s) to trust; null for plaintext HTTP
 */
public record ClientTls(Path caCertificates) {
  /** Plaintext HTTP. */
  public static ClientTls none() {
    return new ClientTls(null);
  }

  public static ClientTls trusting(Path caCertificates) {
    if (caCertificates == null) {
      throw new IllegalArgumentException("caCertificates must be set");
    }
    return new ClientTls(caCertificates);
  }

  public boolean enabled() {
    return caCertificates != null;
  }

  /**
   * Turns TLS on in {@code options}, trusting only these CAs, with host verification; leaves them as they are for
   * {@link #none()}. Blocking: reads the file.
   *
   * @throws IllegalArgumentException naming the file and what is wrong with it
   */
  public HttpClientOptions applyTo(HttpClientOptions options) {
    if (!enabled()) {
      return options;
    }
    String pem = PemFiles.encodeCertificates(PemFiles.certificates("CA certificate", caCertificates));
    return options.setSsl(true)
        .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(pem)))
        .setVerifyHost(true)
        .setEnabledSecureTransportProtocols(new LinkedHashSet<>(ServerTls.PROTOCOLS));
  }
}
