package io.mrgc.common.tls;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever an operator puts in the certificate or key file, the listener's start fails with an IllegalArgumentException
 * that names the file: never another exception type (a stack trace instead of a message), never a start with it.
 */
class PemFilesPropertyTest {
  private static Path dir;

  @BeforeContainer
  static void makeDir() throws IOException {
    dir = Files.createTempDirectory("pem-property");
  }

  @AfterContainer
  static void removeDir() throws IOException {
    try (var files = Files.list(dir)) {
      files.forEach(file -> {
        try {
          Files.delete(file);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
    Files.delete(dir);
  }

  /** Text that looks like PEM: armour lines around base64-ish or arbitrary content, or nothing of the kind. */
  @Provide
  Arbitrary<String> pemLike() {
    Arbitrary<String> label = Arbitraries.of("CERTIFICATE", "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY", "PUBLIC KEY", "X");
    Arbitrary<String> body = Arbitraries.oneOf(
        Arbitraries.strings().withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n")
            .ofMaxLength(400),
        Arbitraries.strings().ascii().ofMaxLength(200));
    Arbitrary<String> armoured = net.jqwik.api.Combinators.combine(label, body)
        .as((l, b) -> "-----BEGIN " + l + "-----\n" + b + "\n-----END " + l + "-----\n");
    return Arbitraries.oneOf(armoured, Arbitraries.strings().ascii().ofMaxLength(300));
  }

  /** Proves a malformed certificate file is refused with a message naming it. */
  @Property
  void malformedCertificateFilesAreNamed(@ForAll("pemLike") String content) throws IOException {
    Path file = Files.writeString(Files.createTempFile(dir, "cert", ".pem"), content);
    assertThatThrownBy(() -> PemFiles.certificates("certificate chain", file))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("certificate chain " + file + " ");
    Files.delete(file);
  }

  /** Proves a malformed key file is refused with a message naming it. */
  @Property
  void malformedKeyFilesAreNamed(@ForAll("pemLike") String content) throws IOException {
    Path file = Files.writeString(Files.createTempFile(dir, "key", ".pem"), content);
    assertThatThrownBy(() -> PemFiles.privateKey("private key", file))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("private key " + file + " ");
    Files.delete(file);
  }
}
