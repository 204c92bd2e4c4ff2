package io.mrgc.common.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority for one machine's local cluster (NOT for production): a CA certificate and key kept in a
 * directory ({@value #CA_CERTIFICATE}, {@value #CA_KEY}, the key mode 0600, the directory 0700), made on first use and
 * reused after, so tenants trust it once ({@code curl --cacert}, {@code mrgc tenant embed --ca-cert}); and server
 * certificates it signs for the addresses the listeners serve. EC P-256 keys, made in Java (no external tools).
 */
public final class LocalCertificateAuthority {
  public static final String CA_CERTIFICATE = "ca.pem";
  public static final String CA_KEY = "ca-key.pem";
  static final Duration CA_VALIDITY = Duration.ofDays(3650);
  /** Browsers' and Apple's limit for server certificates; a new one is issued at each start anyway. */
  static final Duration SERVER_VALIDITY = Duration.ofDays(397);
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
  private static final String SIGNATURE = "SHA256withECDSA";

  private final Path directory;
  private final X509Certificate certificate;
  private final PrivateKey key;

  private LocalCertificateAuthority(Path directory, X509Certificate certificate, PrivateKey key) {
    this.directory = directory;
    this.certificate = certificate;
    this.key = key;
  }

  /**
   * The CA kept in {@code directory}, made there when the directory holds none.
   *
   * @throws IllegalArgumentException when only one of its two files is there, or one is not valid PEM (naming it)
   */
  public static LocalCertificateAuthority openOrCreate(Path directory) {
    Path certFile = directory.resolve(CA_CERTIFICATE);
    Path keyFile = directory.resolve(CA_KEY);
    boolean hasCert = Files.exists(certFile);
    boolean hasKey = Files.exists(keyFile);
    if (hasCert && hasKey) {
      return new LocalCertificateAuthority(directory, PemFiles.certificates("CA certificate", certFile).get(0),
          PemFiles.privateKey("CA key", keyFile));
    }
    if (hasCert || hasKey) {
      throw new IllegalArgumentException("local CA in " + directory + " is incomplete: "
          + (hasCert ? keyFile : certFile) + " is missing; delete " + directory
          + " to make a new CA (tenants must then trust the new " + CA_CERTIFICATE + ")");
    }
    return create(directory);
  }

  private static LocalCertificateAuthority create(Path directory) {
    KeyPair pair = newKeyPair();
    X500Principal subject = new X500Principal("CN=MRGC local CA " + Instant.now() + ",O=MRGC local (NOT SECURE)");
    try {
      Instant now = Instant.now();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
          Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(CA_VALIDITY)), subject, pair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false,
              new JcaX509ExtensionUtils().createSubjectKeyIdentifier(pair.getPublic()));
      X509Certificate certificate = sign(builder, pair.getPrivate());
      createPrivateDirectory(directory);
      writeKey(directory.resolve(CA_KEY), pair.getPrivate());
      write(directory.resolve(CA_CERTIFICATE), PemFiles.encodeCertificates(List.of(certificate)));
      return new LocalCertificateAuthority(directory, certificate, pair.getPrivate());
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot make the local CA certificate", e);
    }
  }

  /** The CA certificate's file: what clients trust. */
  public Path certificateFile() {
    return directory.resolve(CA_CERTIFICATE);
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * Issues a server certificate for {@code hosts} (IP literals become IP address names, others DNS names) and writes
   * it with its key as {@code <name>.pem} and {@code <name>-key.pem} (mode 0600) beside the CA, replacing any there.
   */
  public ServerTls issueServer(String name, List<String> hosts) {
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException("a server certificate needs at least one host name or address");
    }
    KeyPair pair = newKeyPair();
    Instant now = Instant.now();
    try {
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
          Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(SERVER_VALIDITY)),
          new X500Principal("CN=" + hosts.get(0) + ",O=MRGC local (NOT SECURE)"), pair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
          .addExtension(Extension.subjectAlternativeName, false, subjectAlternativeNames(hosts))
          .addExtension(Extension.authorityKeyIdentifier, false,
              new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
      X509Certificate server = sign(builder, key);
      Path certFile = directory.resolve(name + ".pem");
      Path keyFile = directory.resolve(name + "-key.pem");
      writeKey(keyFile, pair.getPrivate());
      write(certFile, PemFiles.encodeCertificates(List.of(server)));
      return ServerTls.fromPem(certFile, keyFile);
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue the local server certificate", e);
    }
  }

  private static GeneralNames subjectAlternativeNames(List<String> hosts) {
    List<GeneralName> names = new ArrayList<>();
    for (String host : hosts) {
      names.add(isIpLiteral(host) ? new GeneralName(GeneralName.iPAddress, host)
          : new GeneralName(GeneralName.dNSName, host));
    }
    return new GeneralNames(names.toArray(GeneralName[]::new));
  }

  private static boolean isIpLiteral(String host) {
    if (!host.matches("[0-9.]+|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*")) {
      return false;
    }
    try {
      InetAddress.getByName(host); // a literal: no lookup happens
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("no " + SIGNATURE + " signer", e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot make EC P-256 keys", e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, new SecureRandom()).add(BigInteger.ONE);
  }

  private static void createPrivateDirectory(Path directory) {
    try {
      Files.createDirectories(directory);
      if (Files.getFileStore(directory).supportsFileAttributeView("posix")) {
        Files.setPosixFilePermissions(directory, OWNER_ONLY_DIR);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the local CA directory " + directory, e);
    }
  }

  /** Writes the key into a new file that is 0600 before the key is in it, then moves it into place. */
  private static void writeKey(Path file, PrivateKey privateKey) {
    String pem = PemFiles.encodePrivateKey(privateKey);
    try {
      Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
      Files.deleteIfExists(temporary);
      if (Files.getFileStore(file.getParent()).supportsFileAttributeView("posix")) {
        Files.createFile(temporary, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } else {
        Files.createFile(temporary);
      }
      Files.writeString(temporary, pem, StandardCharsets.US_ASCII);
      Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException e) {
      throw new UncheckedIOException("another process is writing " + file, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the key file " + file, e);
    }
  }

  private static void write(Path file, String pem) {
    try {
      Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(temporary, pem, StandardCharsets.US_ASCII);
      Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
