package io.mrgc.enclave.attestation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class LocalAttestationTest {
  static final byte[] IMAGE = Bytes.sha384("image".getBytes());
  static final byte[] PUB = Bytes.sha256("a public key".getBytes());
  static final KeyPair SIGNER = LocalAttestationProvider.newSigningKey();

  @Test
  void documentIsATaggedCoseSign1WithTheExpectedPayload() throws Exception {
    LocalAttestationProvider p = new LocalAttestationProvider(IMAGE, SIGNER, Clock.systemUTC());
    byte[] doc = p.attestationDocument(PUB);
    assertThat(doc[0] & 0xFF).isEqualTo(0xD2); // CBOR tag 18
    AttestationDocument d = new LocalAttestationVerifier(SIGNER.getPublic()).verify(doc);
    assertThat(d.moduleId()).contains("INSECURE");
    assertThat(d.digest()).isEqualTo("SHA384");
    assertThat(d.pcr0()).isEqualTo(IMAGE);
    assertThat(d.publicKey()).isEqualTo(PUB);
    assertThat(d.userData()).isNull();
    assertThat(d.nonce()).isNull();
    assertThat(d.timestampMillis()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
    assertThat(AttestationDocuments.parse(doc).pcr0()).isEqualTo(IMAGE);
  }

  @Test
  void verifierRefusesOtherSignersTamperingAndStaleDocuments() throws Exception {
    LocalAttestationProvider p = new LocalAttestationProvider(IMAGE, SIGNER, Clock.systemUTC());
    byte[] doc = p.attestationDocument(PUB);
    LocalAttestationVerifier other = new LocalAttestationVerifier(LocalAttestationProvider.newSigningKey().getPublic());
    assertThatThrownBy(() -> other.verify(doc)).isInstanceOf(AttestationException.class)
        .hasMessageContaining("signature does not verify");

    byte[] tampered = doc.clone();
    tampered[tampered.length - 120] ^= 1; // inside the payload or signature
    assertThatThrownBy(() -> new LocalAttestationVerifier(SIGNER.getPublic()).verify(tampered))
        .isInstanceOf(AttestationException.class);

    Clock later = Clock.fixed(Instant.now().plus(Duration.ofMinutes(10)), ZoneOffset.UTC);
    assertThatThrownBy(() -> new LocalAttestationVerifier(SIGNER.getPublic(), later, Duration.ofMinutes(5)).verify(doc))
        .hasMessageContaining("older than");

    assertThatThrownBy(() -> new LocalAttestationVerifier(SIGNER.getPublic()).verify(new byte[] {1, 2, 3}))
        .isInstanceOf(AttestationException.class);
    assertThatThrownBy(() -> AttestationDocuments.parse(new byte[0])).isInstanceOf(AttestationException.class);
  }

  @Test
  void providerRefusesBadMeasurement() {
    assertThatThrownBy(() -> new LocalAttestationProvider(new byte[32]))
        .hasMessageContaining("48 bytes");
  }

  @Test
  void nsmProviderFailsClearlyOutsideAnEnclave() throws Exception {
    java.nio.file.Path missing = java.nio.file.Path.of("/nonexistent-dir/nsm");
    assertThatThrownBy(() -> new NsmAttestationProvider(missing))
        .isInstanceOf(EnclaveException.class)
        .hasMessageContaining("/nonexistent-dir/nsm does not exist")
        .hasMessageContaining("only inside a Nitro Enclave")
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.INTERNAL));
    if (!java.nio.file.Files.exists(NsmAttestationProvider.DEFAULT_DEVICE)) {
      assertThatThrownBy(NsmAttestationProvider::new).hasMessageContaining("/dev/nsm does not exist");
    }
  }

  @Test
  void nsmRequestAndResponseEncoding() throws Exception {
    byte[] req = NsmAttestationProvider.attestationRequest(PUB);
    com.fasterxml.jackson.databind.JsonNode n = Cose.CBOR.readTree(req);
    assertThat(n.get("Attestation").get("user_data").isNull()).isTrue();
    assertThat(n.get("Attestation").get("nonce").isNull()).isTrue();
    assertThat(n.get("Attestation").get("public_key").binaryValue()).isEqualTo(PUB);
    assertThat(NsmAttestationProvider.NSM_IOCTL_REQUEST).isEqualTo(0xC0200A00L);

    byte[] ok = Cose.CBOR.writeValueAsBytes(java.util.Map.of("Attestation", java.util.Map.of("document", PUB)));
    assertThat(NsmAttestationProvider.parseAttestationResponse(ok)).isEqualTo(PUB);
    byte[] err = Cose.CBOR.writeValueAsBytes(java.util.Map.of("Error", "InvalidArgument"));
    assertThatThrownBy(() -> NsmAttestationProvider.parseAttestationResponse(err))
        .hasMessageContaining("InvalidArgument");
  }
}
