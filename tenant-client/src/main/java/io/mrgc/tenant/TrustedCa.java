package io.mrgc.tenant;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS an SDK client speaks to an MRGC endpoint: TLS 1.2 or 1.3, the endpoint's name or address checked against its
 * certificate (the JDK client does that for https), and trust in either the JVM's CAs (a public certificate, e.g. ACM
 * on the NLB) or only the CA certificates of one PEM file (a private CA, e.g. {@code .mrgc/tls/ca.pem} of
 * {@code mrgc up}), as {@code curl --cacert} does.
 */
final class TrustedCa {
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private TrustedCa() {}

  /** TLS 1.2 and 1.3 only: older protocols are never offered. */
  static SSLParameters parameters() {
    SSLParameters parameters = new SSLParameters();
    parameters.setProtocols(PROTOCOLS.clone());
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    return parameters;
  }

  /**
   * A context trusting only the certificates in {@code caFile}.
   *
   * @throws IllegalArgumentException naming the file when it is missing, unreadable or holds no PEM certificate
   */
  static SSLContext context(Path caFile) {
    Collection<? extends Certificate> certificates;
    try (InputStream in = Files.newInputStream(caFile)) {
      certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("CA certificate " + caFile + " does not exist", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("CA certificate " + caFile + " cannot be read: " + e, e);
    } catch (CertificateException e) {
      throw new IllegalArgumentException("CA certificate " + caFile + " is not a PEM certificate: " + e.getMessage(),
          e);
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException("CA certificate " + caFile + " holds no PEM certificate (expected a block "
          + "starting -----BEGIN CERTIFICATE-----)");
    }
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        store.setCertificateEntry("mrgc-ca-" + i++, certificate);
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot set up TLS trusting " + caFile, e);
    }
  }
}
