package io.mrgc.enclave.attestation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The INSECURE local attestation signing key ({@link LocalAttestationProvider}) in a PEM file, so that the processes
 * of one local deployment ({@code mrgc up --processes}: the enclave service signs with it, the key ring it opens
 * trusts it) share it: a PKCS#8 {@code PRIVATE KEY} block and an X.509 {@code PUBLIC KEY} block, mode 0600. A file
 * that group or others may read is refused, as the local key ring is.
 */
public final class LocalAttestationKeyFile {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN (PRIVATE KEY|PUBLIC KEY)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

  private LocalAttestationKeyFile() {}

  /** Writes {@code key} to {@code file} (owner-only from the start: written to a 0600 temporary file, then moved). */
  public static void save(Path file, KeyPair key) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    String pem = block("PRIVATE KEY", key.getPrivate().getEncoded()) + block("PUBLIC KEY", key.getPublic().getEncoded());
    Path tmp = posix(dir)
        ? Files.createTempFile(dir, file.getFileName().toString(), ".tmp",
            PosixFilePermissions.asFileAttribute(OWNER_ONLY))
        : Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Reads the key pair {@link #save} wrote.
   *
   * @throws IOException when the file cannot be read, is readable by group or others, or holds no EC key pair
   */
  public static KeyPair load(Path file) throws IOException {
    if (posix(file)) {
      for (PosixFilePermission p : Files.getPosixFilePermissions(file)) {
        if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
          throw new IOException("local attestation key " + file + " is accessible by group or others; chmod 600 it");
        }
      }
    }
    byte[] privateDer = null;
    byte[] publicDer = null;
    Matcher m = BLOCK.matcher(Files.readString(file, StandardCharsets.US_ASCII));
    while (m.find()) {
      byte[] der = Base64.getMimeDecoder().decode(m.group(2));
      if (m.group(1).equals("PRIVATE KEY")) {
        privateDer = der;
      } else {
        publicDer = der;
      }
    }
    if (privateDer == null || publicDer == null) {
      throw new IOException("local attestation key " + file + " must hold a PRIVATE KEY and a PUBLIC KEY PEM block");
    }
    try {
      KeyFactory ec = KeyFactory.getInstance("EC");
      return new KeyPair(ec.generatePublic(new X509EncodedKeySpec(publicDer)),
          ec.generatePrivate(new PKCS8EncodedKeySpec(privateDer)));
    } catch (GeneralSecurityException e) {
      throw new IOException("local attestation key " + file + " is not an EC key pair: " + e.getMessage(), e);
    }
  }

  private static String block(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  private static boolean posix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
