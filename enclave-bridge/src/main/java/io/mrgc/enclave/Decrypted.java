package io.mrgc.enclave;

/**
 * A decrypted request: the plaintext body and the id of the enclave-side session that holds the request's data key
 * for {@link EnclaveHandler#encryptResponse}. The parent never sees the key itself.
 */
public record Decrypted(String sessionId, byte[] plaintext, String requestId) {}
