package io.mrgc.enclave.attestation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local attestation key shared by a deployment's processes: PEM, owner-only, the same key read back. */
class LocalAttestationKeyFileTest {
  @TempDir
  Path dir;

  @Test
  void aSavedKeySignsDocumentsItsLoadedPublicKeyVerifies() throws Exception {
    Path file = dir.resolve("deploy/attestation-key.pem");
    KeyPair saved = LocalAttestationProvider.newSigningKey();
    LocalAttestationKeyFile.save(file, saved);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----\n").contains("-----BEGIN PUBLIC KEY-----");
    KeyPair loaded = LocalAttestationKeyFile.load(file);
    assertThat(loaded.getPublic().getEncoded()).isEqualTo(saved.getPublic().getEncoded());
    byte[] image = LocalAttestationProvider.localImageMeasurement();
    byte[] document = new LocalAttestationProvider(image, loaded, Clock.systemUTC()).attestationDocument(new byte[] {1});
    assertThat(new LocalAttestationVerifier(saved.getPublic()).verify(document).pcr0()).isEqualTo(image);
  }

  @Test
  void aFileOthersMayReadIsRefused() throws Exception {
    Path file = dir.resolve("attestation-key.pem");
    LocalAttestationKeyFile.save(file, LocalAttestationProvider.newSigningKey());
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> LocalAttestationKeyFile.load(file)).isInstanceOf(IOException.class)
        .hasMessage("local attestation key " + file + " is accessible by group or others; chmod 600 it");
  }

  @Test
  void aFileWithoutBothBlocksIsRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("k.pem"), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> LocalAttestationKeyFile.load(file))
        .hasMessage("local attestation key " + file + " must hold a PRIVATE KEY and a PUBLIC KEY PEM block");
  }
}
