package io.mrgc.enclave.attestation;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;

/**
 * Verifies documents from {@link LocalAttestationProvider}: ES384 signature by the one trusted EC P-384 key, the
 * mandatory payload fields, a 48-byte PCR0, a public key, and a timestamp no older than {@code maxAge} (and not in
 * the future by more than a minute). NOT SECURE as a whole: the trusted key lives in an ordinary process.
 */
public final class LocalAttestationVerifier implements AttestationVerifier {
  public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(5);
  private final PublicKey trustedKey;
  private final Clock clock;
  private final Duration maxAge;

  public LocalAttestationVerifier(PublicKey trustedKey) {
    this(trustedKey, Clock.systemUTC(), DEFAULT_MAX_AGE);
  }

  public LocalAttestationVerifier(PublicKey trustedKey, Clock clock, Duration maxAge) {
    if (trustedKey == null || !"EC".equals(trustedKey.getAlgorithm())) {
      throw new IllegalArgumentException("trustedKey must be an EC P-384 public key");
    }
    this.trustedKey = trustedKey;
    this.clock = clock;
    this.maxAge = maxAge;
  }

  @Override
  public AttestationDocument verify(byte[] document) throws AttestationException {
    Cose.Sign1 cose = Cose.decode(document);
    boolean ok;
    try {
      Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
      s.initVerify(trustedKey);
      s.update(cose.toBeSigned());
      ok = cose.signature().length == 96 && s.verify(cose.signature());
    } catch (GeneralSecurityException e) {
      ok = false;
    }
    if (!ok) {
      throw new AttestationException("attestation document signature does not verify with the trusted key");
    }
    AttestationDocument doc = AttestationDocuments.parsePayload(cose.payload());
    if (doc.pcr0() == null || doc.pcr0().length != 48) {
      throw new AttestationException("attestation document needs a 48-byte PCR0");
    }
    if (doc.publicKey() == null) {
      throw new AttestationException("attestation document carries no public_key");
    }
    long now = clock.millis();
    if (doc.timestampMillis() < now - maxAge.toMillis() || doc.timestampMillis() > now + 60_000) {
      throw new AttestationException("attestation document is older than " + maxAge + " or from the future");
    }
    return doc;
  }
}
