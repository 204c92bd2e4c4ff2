package io.mrgc.enclave.kms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.enclave.crypto.RecipientCms;
import io.mrgc.enclave.service.Fixture;
import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.keys.DataKey;
import io.mrgc.wire.keys.EncryptionContexts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKeyRingTest {
  static KeyPair rsa;
  @TempDir Path dir;

  @BeforeAll
  static void rsaKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    rsa = g.generateKeyPair();
  }

  @Test
  void createsPersistsAndReloadsKeysWithOwnerOnlyPermissions() throws Exception {
    Fixture f = new Fixture(dir);
    assertThat(f.acmeKey).isEqualTo("local:acme:1");
    assertThat(f.globexKey).isEqualTo("local:globex:1");
    assertThat(f.ring.createKey("acme")).isEqualTo("local:acme:2");
    Path file = dir.resolve("keyring.json");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Files.readString(file)).contains("mrgc-local-keyring/1").contains("NOT SECURE");

    // another instance (another process in local mode) sees the keys and can open what the first one made
    LocalKeyRing second = new LocalKeyRing(file, null);
    assertThat(second.keys()).extracting(LocalKeyRing.KeyInfo::keyId)
        .containsExactly("local:acme:1", "local:globex:1", "local:acme:2");
    DataKey dk = second.generateDataKey("local:acme:2", EncryptionContexts.forTenant("acme"));
    byte[] doc = Fixture.attestationFor(Fixture.IMAGE).attestationDocument(rsa.getPublic().getEncoded());
    byte[] cms = f.ring.decryptForRecipient(dk.edk(), "local:acme:2", EncryptionContexts.forTenant("acme"), doc);
    assertThat(RecipientCms.open(rsa.getPrivate(), cms)).isEqualTo(dk.plaintext());

    // and a key created by the second instance is seen by the first
    assertThat(second.createKey("initech")).isEqualTo("local:initech:1");
    assertThat(f.ring.keys()).extracting(LocalKeyRing.KeyInfo::keyId).contains("local:initech:1");
    // a tenant-side ring never releases keys
    refused(() -> second.decryptForRecipient(dk.edk(), null, EncryptionContexts.forTenant("acme"), doc),
        "no enclave policy");
  }

  @Test
  void aRewriteKeepsTheOwnerOfTheFileItReplaces() throws Exception {
    // The containers deployment hands the key ring to the enclaves' user; a key the tenant admin adds later (as
    // root) must not take the file back from that user.
    org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
        "changing a file's owner needs root");
    Fixture f = new Fixture(dir);
    Path file = f.ring.file();
    Files.setAttribute(file, "unix:uid", 10001);
    Files.setAttribute(file, "unix:gid", 10001);
    f.ring.createKey("acme");
    assertThat(Files.getAttribute(file, "unix:uid")).isEqualTo(10001);
    assertThat(Files.getAttribute(file, "unix:gid")).isEqualTo(10001);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
  }

  @Test
  void refusesAFileOthersCanRead() throws Exception {
    Fixture f = new Fixture(dir);
    Path file = f.ring.file();
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> new LocalKeyRing(file, null)).hasMessageContaining("chmod 600");
  }

  @Test
  void releasesTheDataKeyOnlyAsCmsToTheAttestedKey() throws Exception {
    Fixture f = new Fixture(dir);
    DataKey dk = f.dataKey("acme", f.acmeKey);
    assertThat(dk.plaintext()).hasSize(32);
    assertThat(dk.toString()).doesNotContain(Bytes.hex(dk.plaintext()));
    byte[] doc = f.attestation.attestationDocument(rsa.getPublic().getEncoded());
    byte[] cms = f.ring.decryptForRecipient(dk.edk(), f.acmeKey, EncryptionContexts.forTenant("acme"), doc);
    assertThat(Bytes.hex(cms)).doesNotContain(Bytes.hex(dk.plaintext()));
    assertThat(RecipientCms.open(rsa.getPrivate(), cms)).isEqualTo(dk.plaintext());
    // null key id is allowed (as in KMS), the EDK names its key
    assertThat(RecipientCms.open(rsa.getPrivate(),
        f.ring.decryptForRecipient(dk.edk(), null, EncryptionContexts.forTenant("acme"), doc)))
        .isEqualTo(dk.plaintext());
  }

  @Test
  void refusesUnknownKeysOtherTenantsAndBadEdks() throws Exception {
    Fixture f = new Fixture(dir);
    Map<String, String> acme = EncryptionContexts.forTenant("acme");
    Map<String, String> globex = EncryptionContexts.forTenant("globex");
    refused(() -> f.ring.generateDataKey("local:acme:9", acme), "not found");
    refused(() -> f.ring.generateDataKey(f.globexKey, acme), "does not belong");

    DataKey dk = f.dataKey("acme", f.acmeKey);
    DataKey gk = f.dataKey("globex", f.globexKey);
    byte[] doc = f.attestation.attestationDocument(rsa.getPublic().getEncoded());
    // acme's EDK presented with globex's context
    refused(() -> f.ring.decryptForRecipient(dk.edk(), f.acmeKey, globex, doc), "does not belong");
    // globex's EDK presented as acme (claiming acme's key id)
    refused(() -> f.ring.decryptForRecipient(gk.edk(), f.acmeKey, acme, doc), "incorrect key");
    // globex's EDK presented as acme with globex's key id
    refused(() -> f.ring.decryptForRecipient(gk.edk(), f.globexKey, acme, doc), "does not belong");
    // a context with an extra entry does not open the EDK
    refused(() -> f.ring.decryptForRecipient(dk.edk(), f.acmeKey, Map.of("mrgc:tenant", "acme", "x", "y"), doc),
        "does not open");
    byte[] tampered = dk.edk();
    tampered[tampered.length - 1] ^= 1;
    refused(() -> f.ring.decryptForRecipient(tampered, f.acmeKey, acme, doc), "does not open");
    refused(() -> f.ring.decryptForRecipient(new byte[] {1}, f.acmeKey, acme, doc), "truncated");
    refused(() -> f.ring.decryptForRecipient(new byte[0], f.acmeKey, acme, doc), "truncated");
    refused(() -> f.ring.decryptForRecipient(new byte[] {9, 9, 9}, f.acmeKey, acme, doc), "not a local key ring EDK");
  }

  @Test
  void appliesTheImagePolicy() throws Exception {
    Fixture f = new Fixture(dir);
    DataKey dk = f.dataKey("acme", f.acmeKey);
    Map<String, String> acme = EncryptionContexts.forTenant("acme");
    byte[] pub = rsa.getPublic().getEncoded();
    byte[] debugDoc = Fixture.attestationFor(new byte[48]).attestationDocument(pub);
    refused(() -> f.ring.decryptForRecipient(dk.edk(), f.acmeKey, acme, debugDoc), "all zeros");
    byte[] otherImage = Fixture.attestationFor(Bytes.sha384("other".getBytes())).attestationDocument(pub);
    refused(() -> f.ring.decryptForRecipient(dk.edk(), f.acmeKey, acme, otherImage), "not the allowed enclave image");
    byte[] untrusted = new io.mrgc.enclave.attestation.LocalAttestationProvider(Fixture.IMAGE).attestationDocument(pub);
    refused(() -> f.ring.decryptForRecipient(dk.edk(), f.acmeKey, acme, untrusted), "signature does not verify");
    refused(() -> f.ring.decryptForRecipient(dk.edk(), f.acmeKey, acme, new byte[] {1, 2}), "attestation document");
    assertThatThrownBy(() -> new LocalKeyRing(dir.resolve("x.json"), new byte[48],
        io.mrgc.enclave.attestation.LocalAttestationProvider.newSigningKey().getPublic()))
        .hasMessageContaining("debug-mode");
  }

  static void refused(ThrowingCallable call, String message) {
    assertThatThrownBy(call).isInstanceOf(EnclaveException.class).hasMessageContaining(message)
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.KEY_REFUSED));
  }
}
