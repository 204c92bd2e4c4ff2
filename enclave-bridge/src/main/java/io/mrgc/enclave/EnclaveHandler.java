package io.mrgc.enclave;

import io.mrgc.wire.enclave.EnclaveException;

/**
 * The enclave's operations. Implemented inside the enclave by the service that holds the keys, and on the parent by
 * the client that reaches it over vsock (Unix domain sockets locally), so both sides share one contract. Calls
 * block: the parent makes them from worker threads.
 */
public interface EnclaveHandler {
  /** Opens a request envelope; the session keeps the data key for the response. */
  Decrypted decryptRequest(DecryptRequest request) throws EnclaveException;

  /** Seals the response under the session's data key with a fresh IV; the session ends. Returns envelope bytes. */
  byte[] encryptResponse(String sessionId, byte[] plaintext) throws EnclaveException;

  /** Answers if the enclave is alive and serving. */
  void ping() throws EnclaveException;
}
