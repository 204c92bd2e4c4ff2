package io.mrgc.enclave.attestation;

import io.mrgc.wire.enclave.EnclaveException;

/** Produces attestation documents (COSE_Sign1, CBOR) that carry the enclave's RSA public key for KMS Recipient. */
public interface AttestationProvider {
  /**
   * A fresh attestation document binding {@code publicKeyDer} (DER SubjectPublicKeyInfo, RSA-2048).
   *
   * @throws EnclaveException INTERNAL when the attestation source (NSM) fails
   */
  byte[] attestationDocument(byte[] publicKeyDer) throws EnclaveException;
}
