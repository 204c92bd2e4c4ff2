package io.mrgc.common.tls;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * TLS of a listener that tenants reach: certificate chain and private key from PEM files, or PEM text held in memory
 * ({@link #fromPemText}: from environment variables, e.g. ECS secrets on Fargate, where there are no host files),
 * TLS 1.2 and 1.3 only.
 *
 * <p>{@link #applyTo} reads and checks both files (or both texts) before the listener opens, so a bad file stops the start with a
 * message naming it (missing, unreadable, no PEM certificate or key, an encrypted key, an expired certificate, a key
 * that is not the certificate's) rather than failing every handshake later. It reads files: call it at start, off the
 * event loop.
 *
 * @param certificateChain PEM file: the server certificate first, then its intermediates (not the root); null for
 *     plaintext HTTP
 * @param privateKey PEM file with the certificate's private key (PKCS#8, PKCS#1 or SEC1, unencrypted; mode 0600);
 *     null for plaintext HTTP
 * @param text the chain and key as PEM text instead of files; null unless both files are null
 */
public record ServerTls(Path certificateChain, Path privateKey, PemText text) {
  /** The only protocols a TLS listener enables: TLS 1.0 and 1.1 are refused at the handshake. */
  public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  /**
   * A certificate chain and private key as PEM text, each with where it came from (a config key such as
   * {@code tls.keyPem}: messages name it). {@link #toString} never shows the key.
   */
  public record PemText(String certificateChain, String certificateChainSource, String privateKey,
      String privateKeySource) {
    public PemText {
      if (certificateChain == null || certificateChain.isBlank() || privateKey == null || privateKey.isBlank()) {
        throw new IllegalArgumentException("certificateChain and privateKey PEM text must both be set");
      }
      if (certificateChainSource == null || privateKeySource == null) {
        throw new IllegalArgumentException("certificateChainSource and privateKeySource must be set");
      }
    }

    @Override
    public String toString() {
      return "PemText[certificateChain from " + certificateChainSource + ", privateKey from " + privateKeySource
          + " (not shown)]";
    }
  }

  public ServerTls {
    if ((certificateChain == null) != (privateKey == null)) {
      throw new IllegalArgumentException("certificateChain and privateKey must be set together, but only "
          + (certificateChain == null ? "privateKey" : "certificateChain") + " was");
    }
    if (certificateChain != null && text != null) {
      throw new IllegalArgumentException("give the certificate chain and key as files or as PEM text, not both");
    }
  }

  /** TLS with these files ({@code null, null}: plaintext HTTP). */
  public ServerTls(Path certificateChain, Path privateKey) {
    this(certificateChain, privateKey, null);
  }

  /** Plaintext HTTP. */
  public static ServerTls none() {
    return new ServerTls(null, null, null);
  }

  /**
   * TLS with the certificate chain and key given as PEM text; the sources ({@code tls.certificatePem}) name them in
   * messages, which never show the key.
   */
  public static ServerTls fromPemText(String certificateChain, String certificateChainSource, String privateKey,
      String privateKeySource) {
    return new ServerTls(null, null, new PemText(certificateChain, certificateChainSource, privateKey,
        privateKeySource));
  }

  /** TLS with the certificate chain and key in these PEM files. */
  public static ServerTls fromPem(Path certificateChain, Path privateKey) {
    if (certificateChain == null) {
      throw new IllegalArgumentException("certificateChain must be set");
    }
    return new ServerTls(certificateChain, privateKey);
  }

  public boolean enabled() {
    return certificateChain != null || text != null;
  }

  /**
   * Turns TLS on in {@code options} with this certificate and key (checked first), TLS 1.2 and 1.3 only; leaves
   * them as they are for {@link #none()}. Blocking: reads the files.
   *
   * @throws IllegalArgumentException naming the file (or the text's source) and what is wrong with it
   */
  public HttpServerOptions applyTo(HttpServerOptions options) {
    if (!enabled()) {
      return options;
    }
    List<X509Certificate> chain = text == null ? PemFiles.certificates("certificate chain", certificateChain)
        : PemFiles.certificatesFromText(chainName(), text.certificateChain());
    checkValidity(chain.get(0));
    PrivateKey key = text == null ? PemFiles.privateKey("private key", privateKey)
        : PemFiles.privateKeyFromText(keyName(), text.privateKey());
    checkKeyMatches(key, chain.get(0));
    // Vert.x gets what was checked, re-encoded as PKCS#8: it then cannot read the files differently than we did.
    return options.setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions()
            .setCertValue(Buffer.buffer(PemFiles.encodeCertificates(chain)))
            .setKeyValue(Buffer.buffer(PemFiles.encodePrivateKey(key))))
        .setEnabledSecureTransportProtocols(new LinkedHashSet<>(PROTOCOLS));
  }

  private void checkValidity(X509Certificate certificate) {
    try {
      certificate.checkValidity();
    } catch (CertificateExpiredException e) {
      throw new IllegalArgumentException(chainName() + " starts with a certificate that "
          + "expired on " + certificate.getNotAfter().toInstant() + "; renew it", e);
    } catch (CertificateNotYetValidException e) {
      throw new IllegalArgumentException(chainName() + " starts with a certificate not "
          + "valid before " + certificate.getNotBefore().toInstant() + " (is the clock right?)", e);
    }
  }

  /** {@code certificate chain /etc/mrgc/router.pem} or {@code certificate chain from tls.certificatePem}. */
  private String chainName() {
    return text == null ? "certificate chain " + certificateChain
        : "certificate chain from " + text.certificateChainSource();
  }

  /** {@code private key /etc/mrgc/router-key.pem} or {@code private key from tls.keyPem}. */
  private String keyName() {
    return text == null ? "private key " + privateKey : "private key from " + text.privateKeySource();
  }

  /** Signs a random challenge with the key and verifies it with the certificate's public key. */
  private void checkKeyMatches(PrivateKey key, X509Certificate certificate) {
    PublicKey published = certificate.getPublicKey();
    String mismatch = keyName() + " does not match the certificate "
        + (text == null ? "in " + certificateChain : "from " + text.certificateChainSource())
        + " (the first certificate must be the server's, the key its private key)";
    if (!key.getAlgorithm().equals(published.getAlgorithm())) {
      throw new IllegalArgumentException(mismatch + ": the key is " + key.getAlgorithm() + ", the certificate's "
          + published.getAlgorithm());
    }
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> throw new IllegalArgumentException(keyName() + " is a " + key.getAlgorithm()
          + " key; use an RSA, EC or Ed25519 key");
    };
    byte[] challenge = new byte[32];
    new SecureRandom().nextBytes(challenge);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(published);
      verifier.update(challenge);
      if (!verifier.verify(signature)) {
        throw new IllegalArgumentException(mismatch);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(mismatch + ": " + e.getMessage(), e);
    }
  }
}
