package io.mrgc.enclave.kms;

import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.keys.EncryptionContexts;
import java.util.Map;

/**
 * Enclave side of KMS: Decrypt with a {@code Recipient}. The data key comes back only as CiphertextForRecipient, a
 * CMS EnvelopedData to the RSA public key inside the attestation document, which only the enclave can open.
 */
public interface RecipientKms {
  /**
   * @param edk the encrypted data key (KMS CiphertextBlob)
   * @param keyId the key the EDK must be under
   * @param encryptionContext the context the EDK was made with ({@link EncryptionContexts#forTenant(String)})
   * @param attestationDocument a fresh COSE_Sign1 attestation document carrying the enclave's RSA-2048 public key
   * @return CiphertextForRecipient bytes (BER CMS EnvelopedData)
   * @throws EnclaveException KEY_REFUSED (unknown key, other tenant, bad EDK, attestation or image refused) or
   *     KMS_UNAVAILABLE (network, throttling, 5xx)
   */
  byte[] decryptForRecipient(byte[] edk, String keyId, Map<String, String> encryptionContext,
      byte[] attestationDocument) throws EnclaveException;
}
