package io.mrgc.carwash.steps;

/** The enclave as the wash sees it (the local and Nitro implementations live with the agent). */
public interface EnclaveControl {
  /**
   * Stops the enclave, starts it again and proves the new one works: its first KMS decrypt (or a ping that
   * exercises attestation) succeeds. Returns only when proven; throws otherwise.
   */
  void restart() throws Exception;
}
