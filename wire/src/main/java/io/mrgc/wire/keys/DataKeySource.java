package io.mrgc.wire.keys;

import io.mrgc.wire.enclave.EnclaveException;
import java.util.Map;

/** Tenant side of KMS: GenerateDataKey (AES-256) under a tenant's key, bound to an encryption context. */
public interface DataKeySource {
  /**
   * @param encryptionContext {@link EncryptionContexts#forTenant(String)}
   * @throws EnclaveException KEY_REFUSED (unknown key, not this tenant's key, policy) or KMS_UNAVAILABLE
   */
  DataKey generateDataKey(String keyId, Map<String, String> encryptionContext) throws EnclaveException;
}
