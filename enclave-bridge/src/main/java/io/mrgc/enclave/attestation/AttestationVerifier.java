package io.mrgc.enclave.attestation;

/** Checks an attestation document's signature and structure; what KMS does before it applies the key policy. */
public interface AttestationVerifier {
  /**
   * @return the verified document's payload
   * @throws AttestationException when the document is malformed or not signed by a trusted key
   */
  AttestationDocument verify(byte[] document) throws AttestationException;
}
