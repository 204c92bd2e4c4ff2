package io.mrgc.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCertificateAuthorityTest {
  @TempDir Path dir;

  /** Proves keys are written 0600 (directory 0700) and a second start reuses the CA tenants already trust. */
  @Test
  void keepsItsCaAcrossStartsWithOwnerOnlyKeys() throws Exception {
    Path caDir = dir.resolve("tls");
    LocalCertificateAuthority first = LocalCertificateAuthority.openOrCreate(caDir);
    ServerTls server = first.issueServer("server", List.of("127.0.1.1", "localhost"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir.resolve("ca-key.pem"))))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(server.privateKey())))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir))).isEqualTo("rwx------");

    LocalCertificateAuthority again = LocalCertificateAuthority.openOrCreate(caDir);
    assertThat(again.certificate()).isEqualTo(first.certificate());
  }

  /** Proves server certificates carry IP literals as IP names and the rest as DNS names, signed by the CA. */
  @Test
  void serverCertificatesNameTheirAddresses() throws Exception {
    LocalCertificateAuthority ca = LocalCertificateAuthority.openOrCreate(dir);
    ServerTls server = ca.issueServer("server", List.of("127.0.1.1", "127.0.0.1", "localhost"));
    X509Certificate leaf = PemFiles.certificates("certificate chain", server.certificateChain()).get(0);
    leaf.verify(ca.certificate().getPublicKey());
    assertThat(leaf.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
        List.of(7, "127.0.1.1"), List.of(7, "127.0.0.1"), List.of(2, "localhost"));
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
  }

  @Test
  void anIncompleteCaDirectoryIsNamed() throws Exception {
    LocalCertificateAuthority.openOrCreate(dir);
    Files.delete(dir.resolve("ca-key.pem"));
    assertThatThrownBy(() -> LocalCertificateAuthority.openOrCreate(dir))
        .hasMessageStartingWith("local CA in " + dir + " is incomplete: " + dir.resolve("ca-key.pem") + " is missing");
  }
}
