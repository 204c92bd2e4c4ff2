package io.mrgc.enclave.attestation;

import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INSECURE stand-in for the Nitro Security Module, for local mode and tests only. It emits documents shaped like
 * real ones (tagged COSE_Sign1, ES384; payload {@code module_id}, {@code timestamp}, {@code digest} "SHA384",
 * {@code pcrs} {0: the configured image measurement}, {@code public_key}) but signed with an EC P-384 key held in
 * this process, so anyone who runs it can attest anything. The module id always starts with "INSECURE". The
 * {@link io.mrgc.enclave.kms.LocalKeyRing} trusts {@link #signingPublicKey()}; AWS KMS never would.
 */
public final class LocalAttestationProvider implements AttestationProvider {
  public static final String MODULE_ID = "INSECURE-local-attestation-not-a-nitro-enclave";
  private static final Logger LOG = LoggerFactory.getLogger(LocalAttestationProvider.class);

  private final byte[] imageMeasurement;
  private final KeyPair signingKey;
  private final Clock clock;

  /** With a fresh EC P-384 signing key. */
  public LocalAttestationProvider(byte[] imageMeasurement) {
    this(imageMeasurement, newSigningKey(), Clock.systemUTC());
  }

  public LocalAttestationProvider(byte[] imageMeasurement, KeyPair signingKey, Clock clock) {
    if (imageMeasurement == null || imageMeasurement.length != 48) {
      throw new IllegalArgumentException("imageMeasurement must be 48 bytes (SHA-384, like PCR0)");
    }
    if (signingKey == null || !"EC".equals(signingKey.getPublic().getAlgorithm())) {
      throw new IllegalArgumentException("signingKey must be an EC P-384 key pair");
    }
    this.imageMeasurement = imageMeasurement.clone();
    this.signingKey = signingKey;
    this.clock = clock;
    LOG.warn("INSECURE: LocalAttestationProvider is in use. Its attestation documents are signed by a key in this "
        + "process, not by the Nitro Security Module; they prove nothing. Local mode and tests only, never in AWS. "
        + "Claimed image measurement {}", Bytes.hex(imageMeasurement));
  }

  /**
   * The measurement (PCR0 stand-in, never zeros) a local deployment's enclaves claim and its key ring allows: SHA-384
   * of {@code mrgc-local-enclave-image/1}, the value LocalCluster uses, so every process of one deployment agrees.
   */
  public static byte[] localImageMeasurement() {
    return Bytes.sha384("mrgc-local-enclave-image/1".getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** A fresh EC P-384 key pair for signing local documents. */
  public static KeyPair newSigningKey() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp384r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC P-384 is not available in this JVM", e);
    }
  }

  /** The key a {@link LocalAttestationVerifier} (and so the local key ring) must be told to trust. */
  public PublicKey signingPublicKey() {
    return signingKey.getPublic();
  }

  @Override
  public byte[] attestationDocument(byte[] publicKeyDer) throws EnclaveException {
    if (publicKeyDer == null || publicKeyDer.length == 0 || publicKeyDer.length > 1024) {
      throw new EnclaveException(EnclaveErrorCode.INTERNAL, "public_key must be 1 to 1024 bytes");
    }
    try {
      byte[] payload = payload(publicKeyDer);
      byte[] prot = Cose.es384ProtectedHeader();
      Cose.Sign1 unsigned = new Cose.Sign1(prot, payload, new byte[0]);
      Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
      s.initSign(signingKey.getPrivate());
      s.update(unsigned.toBeSigned());
      return new Cose.Sign1(prot, payload, s.sign()).encode();
    } catch (GeneralSecurityException | IOException e) {
      throw new EnclaveException(EnclaveErrorCode.INTERNAL, "local attestation failed: " + e.getClass().getSimpleName());
    }
  }

  private byte[] payload(byte[] publicKeyDer) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (CBORGenerator g = Cose.FACTORY.createGenerator(out)) {
      g.writeStartObject(null, 7);
      g.writeStringField("module_id", MODULE_ID);
      g.writeNumberField("timestamp", clock.millis());
      g.writeStringField("digest", "SHA384");
      g.writeFieldName("pcrs");
      g.writeStartObject(null, 1);
      g.writeFieldId(0);
      g.writeBinary(imageMeasurement);
      g.writeEndObject();
      g.writeBinaryField("public_key", publicKeyDer);
      g.writeNullField("user_data");
      g.writeNullField("nonce");
      g.writeEndObject();
    }
    return out.toByteArray();
  }
}
