package io.mrgc.enclave.attestation;

import java.util.List;
import java.util.Map;

/**
 * The payload of a Nitro attestation document (nsm-api docs/attestation_process.md §2.2): module id, timestamp
 * (ms since the epoch), digest ("SHA384"), PCRs by index, signing certificate and CA bundle (DER; absent in local
 * documents), and the optional public key, user data and nonce. Arrays are owned by the record.
 */
public record AttestationDocument(
    String moduleId,
    long timestampMillis,
    String digest,
    Map<Integer, byte[]> pcrs,
    byte[] certificate,
    List<byte[]> cabundle,
    byte[] publicKey,
    byte[] userData,
    byte[] nonce) {

  /** PCR0, the enclave image measurement (KMS condition key {@code kms:RecipientAttestation:ImageSha384}). */
  public byte[] pcr0() {
    return pcrs.get(0);
  }
}
