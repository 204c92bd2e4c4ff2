package io.mrgc.common.tls;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads PEM certificates and private keys, failing with a message that names the file and says what is wrong with it
 * (missing, unreadable, no PEM certificate or key in it, an encrypted key), so that a listener refuses to start on a
 * bad file instead of failing each handshake later. The same checks read PEM text held in memory (from an environment
 * variable: {@link #certificatesFromText}, {@link #privateKeyFromText}), whose messages never show the key. Accepts the key formats operators bring: PKCS#8
 * ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) and SEC1 ({@code EC PRIVATE KEY}).
 */
public final class PemFiles {
  private static final String BEGIN_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

  private PemFiles() {}

  /** Every certificate in {@code file}, in order (a chain: the server's first); at least one. */
  public static List<X509Certificate> certificates(String what, Path file) {
    return parseCertificates(what + " " + file, read(what, file), " is not a valid PEM certificate file: ");
  }

  /**
   * Every certificate in PEM {@code text} (say from an environment variable), in order; at least one. Messages start
   * with {@code subject} ({@code certificate chain from tls.certificatePem}).
   */
  public static List<X509Certificate> certificatesFromText(String subject, String text) {
    return parseCertificates(subject, text, " is not valid PEM certificate text: ");
  }

  private static List<X509Certificate> parseCertificates(String subject, String text, String invalid) {
    List<X509Certificate> certificates = new ArrayList<>();
    try (PEMParser pem = new PEMParser(new StringReader(text))) {
      JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
      for (Object item = pem.readObject(); item != null; item = pem.readObject()) {
        if (item instanceof X509CertificateHolder holder) {
          certificates.add(converter.getCertificate(holder));
        }
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      throw new IllegalArgumentException(subject + invalid + e.getMessage(), e);
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException(subject + " holds no PEM certificate (expected a block starting "
          + BEGIN_CERTIFICATE + ")");
    }
    return certificates;
  }

  /** The one private key in {@code file}; an encrypted key is refused (the service has no passphrase to give). */
  public static PrivateKey privateKey(String what, Path file) {
    return parsePrivateKey(what + " " + file, read(what, file), true);
  }

  /**
   * The one private key in PEM {@code text} (say from an environment variable); messages start with {@code subject}
   * ({@code private key from tls.keyPem}) and never show any of the text.
   */
  public static PrivateKey privateKeyFromText(String subject, String text) {
    return parsePrivateKey(subject, text, false);
  }

  private static PrivateKey parsePrivateKey(String subject, String text, boolean file) {
    Object found = null;
    try (PEMParser pem = new PEMParser(new StringReader(text))) {
      // The first key in the file is the key (anything after it is not read); certificates before it are skipped.
      for (Object item = pem.readObject(); item != null; item = pem.readObject()) {
        if (item instanceof PEMEncryptedKeyPair || item instanceof PKCS8EncryptedPrivateKeyInfo
            || item instanceof PEMKeyPair || item instanceof PrivateKeyInfo) {
          found = item;
          break;
        }
      }
      if (found instanceof PEMKeyPair pair) {
        return new JcaPEMKeyConverter().getPrivateKey(pair.getPrivateKeyInfo());
      }
      if (found instanceof PrivateKeyInfo info) {
        return new JcaPEMKeyConverter().getPrivateKey(info);
      }
    } catch (IOException | RuntimeException e) {
      // A parser's message might quote the text: only a file's is shown (the text may be the key itself).
      throw new IllegalArgumentException(subject + " is not a valid PEM private key"
          + (file ? ": " + e.getMessage() : " (a damaged block: copy the whole key, line breaks included)"), e);
    }
    if (found != null) {
      throw new IllegalArgumentException(subject + " is encrypted; give the unencrypted key "
          + (file ? "in a file only the service can read (mode 0600)" : "(the service has no passphrase to give)"));
    }
    throw new IllegalArgumentException(subject + " holds no PEM private key (expected a block starting "
        + "-----BEGIN PRIVATE KEY-----, -----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)");
  }

  /** The file's text; a missing or unreadable file is named as such. */
  static String read(String what, Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(what + " " + file + " does not exist", e);
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException(what + " " + file + " cannot be read: permission denied", e);
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IllegalArgumentException(what + " " + file + " is not a PEM file (it is not ASCII text)", e);
    } catch (IOException e) {
      throw new IllegalArgumentException(what + " " + file + " cannot be read: " + e, e);
    }
  }

  /** PEM text of certificates, the form Vert.x and curl read. */
  public static String encodeCertificates(List<X509Certificate> certificates) {
    StringBuilder pem = new StringBuilder();
    for (X509Certificate certificate : certificates) {
      try {
        pem.append(block("CERTIFICATE", certificate.getEncoded()));
      } catch (java.security.cert.CertificateEncodingException e) {
        throw new IllegalStateException("a parsed certificate cannot be encoded again", e);
      }
    }
    return pem.toString();
  }

  /** PEM text of a private key in PKCS#8, the one key format every TLS stack reads. */
  public static String encodePrivateKey(PrivateKey key) {
    return block("PRIVATE KEY", key.getEncoded());
  }

  private static String block(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
